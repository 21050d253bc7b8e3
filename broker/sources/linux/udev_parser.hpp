// A block device's record in the udev database (<udev data>/b<major>:<minor>), for the disk
// labels node_exporter takes from it. Pure: text in, views out.
//
//   "S:disk/by-id/virtio-abc"            (symlinks, ignored)
//   "E:ID_PATH=pci-0000:00:04.0"         -> path
//   "E:ID_SERIAL_SHORT=abc123"           -> serial
//   "E:ID_MODEL=QEMU_HARDDISK"           -> model
//   "E:ID_REVISION=2.5+"                 -> revision
//   "E:ID_WWN=0x5000c500a1b2c3d4"        -> wwn
// A property the record lacks is empty, as is every label of a disk without a record.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace sysring::broker::linux_instances {

// The udev labels in domain_label_keys(Disk) order (after device, major and minor), with the
// property each comes from.
inline constexpr std::array<std::string_view, 5> kUdevLabels = {"path", "serial", "model",
                                                                "revision", "wwn"};
inline constexpr std::array<std::string_view, 5> kUdevProperties = {
    "ID_PATH", "ID_SERIAL_SHORT", "ID_MODEL", "ID_REVISION", "ID_WWN"};

using UdevLabels = std::array<std::string_view, kUdevLabels.size()>;

// The labels of one record; views into `text`.
UdevLabels parse_udev_record(std::string_view text);

}  // namespace sysring::broker::linux_instances
