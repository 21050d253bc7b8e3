// The udev database record of a block device: the properties behind the disk labels.
#include "sources/linux/udev_parser.hpp"

#include <gtest/gtest.h>

namespace sysring::broker::linux_instances {
namespace {

TEST(UdevParser, PropertiesBecomeTheDiskLabels) {
  const UdevLabels got = parse_udev_record(
      "S:disk/by-id/nvme-Samsung_SSD_980_S64DNX0R123456\n"
      "W:12\n"
      "E:ID_SERIAL=Samsung_SSD_980_S64DNX0R123456\n"
      "E:ID_SERIAL_SHORT=S64DNX0R123456\n"
      "E:ID_MODEL=Samsung SSD 980 1TB\n"
      "E:ID_REVISION=2B4QFXO7\n"
      "E:ID_WWN=eui.002538d111111111\n"
      "E:ID_PATH=pci-0000:01:00.0-nvme-1\n"
      "E:ID_PATH_TAG=pci-0000_01_00_0-nvme-1\n"
      "G:systemd\n");
  EXPECT_EQ(got, (UdevLabels{"pci-0000:01:00.0-nvme-1", "S64DNX0R123456", "Samsung SSD 980 1TB",
                             "2B4QFXO7", "eui.002538d111111111"}));
}

TEST(UdevParser, WhatTheRecordLacksIsEmpty) {
  EXPECT_EQ(parse_udev_record(""), UdevLabels{});
  const UdevLabels got = parse_udev_record("E:ID_MODEL=QEMU\nS:ID_PATH=not-a-property\nE:ID_WWN\n");
  EXPECT_EQ(got, (UdevLabels{"", "", "QEMU", "", ""}));
}

}  // namespace
}  // namespace sysring::broker::linux_instances
