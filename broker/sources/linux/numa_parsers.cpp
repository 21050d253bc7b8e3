#include "sources/linux/numa_parsers.hpp"

#include <limits>

#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {

bool parse_node_directory(std::string_view name, std::uint32_t& number) {
  constexpr std::string_view kPrefix = "node";
  if (!name.starts_with(kPrefix)) return false;
  std::uint64_t value = 0;
  if (procfs::parse_u64(name.substr(kPrefix.size()), value) != procfs::DecodeStatus::kOk ||
      value > std::numeric_limits<std::uint32_t>::max()) {
    return false;
  }
  number = static_cast<std::uint32_t>(value);
  return true;
}

std::string_view node_meminfo_key(std::string_view key) {
  std::string_view rest = key;
  if (procfs::next_token(rest) != "Node") return key;
  std::uint64_t number = 0;
  if (procfs::parse_u64(procfs::next_token(rest), number) != procfs::DecodeStatus::kOk) return key;
  const std::string_view name = procfs::trim(rest);
  return name.empty() ? key : name;
}

}  // namespace sysring::broker::linux_instances
