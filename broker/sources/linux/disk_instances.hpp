// The disk domain's owner: one instance per line of <proc>/diskstats whose device name does not
// match InstanceConfig::disk_exclude (node_exporter's default leaves out partitions, loop, ram
// and zram devices). Name and `device` label: the device name ("vda", "nvme0n1"); then `major`
// and `minor` (its line's numbers) and `path`, `serial`, `model`, `revision` and `wwn` from the
// udev database (udev_parser.hpp; "" without a record, as in containers and VMs without udev).
// The udev record is read when a disk appears and again every kUdevRereadRefreshes refreshes
// (udev may write it after the disk's line appears); a changed label is a new registration.
//
// Families (registry `source`):
//   diskstats:N          field N after the device name (see diskstats_parser.hpp), as is
//   diskstats:N:sectors  a sector count, published in bytes (x 512)
// A line with fewer fields (an older kernel) gives kUnavailable for the fields it lacks; a field
// no line has at construction makes the family unavailable. One pread of the kept-open file per
// refresh; the exclusion regex runs once per new device name, not per refresh.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "diskstats_parser.hpp"
#include "family_table.hpp"
#include "instance_roster.hpp"
#include "instances/instance_config.hpp"
#include "instances/instance_source.hpp"
#include "name_filter.hpp"
#include "sources/procfs_file.hpp"
#include "udev_parser.hpp"

namespace sysring::broker::linux_instances {

class DiskInstances final : public InstanceSource {
 public:
  static constexpr std::uint32_t kUdevRereadRefreshes = 60;

  // Throws std::invalid_argument when config.disk_exclude is not a valid ECMAScript regex.
  DiskInstances(std::span<const registry::RegistryEntry> rows, const InstanceConfig& config);

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Disk; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return table_.ids(); }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return table_.of(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return at_start_; }
  void refresh(InstanceSink& sink) override;

 private:
  struct Field {
    std::uint16_t family;
    std::size_t index;    // into DiskLine::fields
    std::uint64_t scale;  // 512 for sector counts, else 1
  };
  struct Disk {
    std::string name;
    bool excluded = false;
    std::uint64_t major = 0;
    std::uint64_t minor = 0;
    std::array<std::string, 2 + kUdevLabels.size()> labels;  // major, minor, then the udev ones
    std::uint32_t refreshes_since_udev = 0;
  };

  void bind(const registry::RegistryEntry& row, std::string& reason);
  void judge_fields_at_start();
  void update_labels(Disk& disk, const DiskLine& line);

  ProcfsFile diskstats_;
  std::string udev_data_;
  std::string udev_path_;    // reused for each record's path
  std::string udev_record_;  // reused for each record's text
  NameFilter exclude_;
  FamilyTable table_;
  std::vector<Field> fields_;  // available families only: what a refresh publishes
  InstanceRoster<Disk> disks_;
  std::uint32_t at_start_ = 0;
};

}  // namespace sysring::broker::linux_instances
