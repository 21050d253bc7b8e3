// Names in /sys/devices/system/node, parsed in place.
//
//   directory "node3"                         -> node number 3 (anything else is not a node)
//   meminfo key "Node 3 MemTotal"             -> "MemTotal"
// A node's meminfo is /proc/meminfo's format with a "Node N " prefix on every key, so its
// records come from procfs::RecordReader(kMeminfo) and decode() ("N kB" -> bytes, a bare
// HugePages_* count as is); numastat is procfs::Format::kKeyValue ("numa_hit 123").
#pragma once

#include <cstdint>
#include <string_view>

namespace sysring::broker::linux_instances {

// "node<digits>" -> true and the number; false for other entries ("online", "power", "node").
bool parse_node_directory(std::string_view name, std::uint32_t& number);

// The key of a node meminfo record without its "Node <N> " prefix; other keys as they are.
std::string_view node_meminfo_key(std::string_view key);

}  // namespace sysring::broker::linux_instances
