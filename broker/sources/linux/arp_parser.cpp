#include "arp_parser.hpp"

#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {

namespace {
constexpr std::size_t kDeviceField = 5;
}  // namespace

void count_arp_entries(std::string_view text, std::vector<ArpCount>& out) {
  out.clear();
  procfs::next_line(text);  // the header
  while (!text.empty()) {
    const std::string_view device = procfs::nth_token(procfs::next_line(text), kDeviceField);
    if (device.empty()) continue;
    bool counted = false;
    for (ArpCount& c : out) {
      if (c.device == device) {
        ++c.entries;
        counted = true;
        break;
      }
    }
    if (!counted) out.push_back({device, 1});
  }
}

std::uint32_t arp_entries_of(std::span<const ArpCount> counts, std::string_view device) {
  for (const ArpCount& c : counts) {
    if (c.device == device) return c.entries;
  }
  return 0;
}

}  // namespace sysring::broker::linux_instances
