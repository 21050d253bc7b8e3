// /proc/net/arp counted per device (broker/sources/linux/arp_parser.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sources/linux/arp_parser.hpp"

namespace linux_instances = sysring::broker::linux_instances;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<linux_instances::ArpCount> counts;
  linux_instances::count_arp_entries(text, counts);
  for (const linux_instances::ArpCount& c : counts) {
    if (linux_instances::arp_entries_of(counts, c.device) == 0) __builtin_trap();
  }
  return 0;
}
