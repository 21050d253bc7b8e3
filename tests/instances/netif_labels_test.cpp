// The netif helpers beside the source: hardware addresses as sysfs prints them, label files, and
// /proc/net/arp counted per device.
#include "sources/linux/netif_labels.hpp"
#include "sources/linux/arp_parser.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <string>
#include <vector>

namespace sysring::broker::linux_instances {
namespace {

TEST(NetifLabels, HardwareAddressesAreLowerCaseHexJoinedByColons) {
  const std::array<std::byte, 6> mac = {std::byte{0x52}, std::byte{0x54}, std::byte{0x00},
                                        std::byte{0xab}, std::byte{0xCD}, std::byte{0x0f}};
  std::string out = "stale";
  format_hardware_address(mac, out);
  EXPECT_EQ(out, "52:54:00:ab:cd:0f");
  format_hardware_address({}, out);
  EXPECT_EQ(out, "") << "an interface without an address (a tunnel)";
  const std::array<std::byte, 4> ipip = {std::byte{10}, std::byte{0}, std::byte{0}, std::byte{1}};
  format_hardware_address(ipip, out);
  EXPECT_EQ(out, "0a:00:00:01");
  EXPECT_EQ(label_text("uplink\n"), "uplink");
  EXPECT_EQ(label_text("\n"), "");
  EXPECT_EQ(label_text(""), "");
}

TEST(ArpParser, EntriesAreCountedPerDevice) {
  std::vector<ArpCount> counts;
  count_arp_entries(
      "IP address       HW type     Flags       HW address            Mask     Device\n"
      "192.0.2.1        0x1         0x2         02:fc:00:00:00:05     *        eth0\n"
      "10.0.0.9         0x1         0x0         00:00:00:00:00:00     *        br0\n"
      "192.0.2.7        0x1         0x2         02:fc:00:00:00:07     *        eth0\n"
      "short line\n",
      counts);
  ASSERT_EQ(counts.size(), 2U);
  EXPECT_EQ(arp_entries_of(counts, "eth0"), 2U);
  EXPECT_EQ(arp_entries_of(counts, "br0"), 1U);
  EXPECT_EQ(arp_entries_of(counts, "lo"), 0U);
  count_arp_entries("IP address HW type Flags HW address Mask Device\n", counts);
  EXPECT_TRUE(counts.empty());
}

}  // namespace
}  // namespace sysring::broker::linux_instances
