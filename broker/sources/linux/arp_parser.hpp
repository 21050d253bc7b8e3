// /proc/net/arp counted per device: a header, then one line per IPv4 neighbour entry whose
// sixth field is its interface. Pure: text in, counts out.
//
//   "IP address       HW type     Flags       HW address            Mask     Device"
//   "192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0"
//        -> {{"eth0", 1}}
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sysring::broker::linux_instances {

struct ArpCount {
  std::string_view device;  // a view into the text
  std::uint32_t entries = 0;
};

// Fills `out` (cleared first, its storage reused) with the entries per device, in order of first
// appearance. A line without a device field is skipped.
void count_arp_entries(std::string_view text, std::vector<ArpCount>& out);

// The entries of `device`; 0 for a device with none.
std::uint32_t arp_entries_of(std::span<const ArpCount> counts, std::string_view device);

}  // namespace sysring::broker::linux_instances
