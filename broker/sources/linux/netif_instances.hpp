// The netif domain's owner: one instance per interface line of <proc>/net/dev whose name does
// not match InstanceConfig::netif_exclude (empty: none left out). Name and `device` label: the
// interface name. /proc/net/dev lists the interfaces of the broker's network namespace only.
//
// Families (registry `source`):
//   netdev:N          field N of the interface's line (0 rx_bytes .. 15 tx_compressed; see
//                     netdev_parser.hpp)
//   netclass:ATTR     <sys>/class/net/<if>/ATTR, one of operstate (as its IF_OPER_* code),
//                     carrier, speed (Mbit/s), mtu, carrier_changes, tx_queue_len, ifindex,
//                     flags (hex in the file)
// Carrier and speed have no value while the link is down or unknown (the read fails with
// EINVAL), nor does speed when the driver reports -1: kUnavailable for that interface. An
// interface's sysfs files are opened when it appears, kept open, and closed when it goes; a
// refresh is one pread per kept-open file and one pass over /proc/net/dev.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "family_table.hpp"
#include "instance_roster.hpp"
#include "instances/instance_config.hpp"
#include "instances/instance_source.hpp"
#include "name_filter.hpp"
#include "sources/procfs_file.hpp"
#include "sysfs_attribute.hpp"

namespace sysring::broker::linux_instances {

class NetifInstances final : public InstanceSource {
 public:
  // Throws std::invalid_argument when config.netif_exclude is not a valid ECMAScript regex.
  NetifInstances(std::span<const registry::RegistryEntry> rows, const InstanceConfig& config);

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Netif; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return table_.ids(); }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return table_.of(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return at_start_; }
  void refresh(InstanceSink& sink) override;

 private:
  struct Counter {
    std::uint16_t family;
    std::size_t index;  // into NetdevLine::fields
  };
  struct Attribute {
    std::uint16_t family;
    std::string_view file;  // "operstate": a name from a static table
    AttributeFormat format;
  };
  struct Interface {
    std::string name;
    bool excluded = false;
    std::vector<SysfsAttribute> attributes;  // parallel to attributes_; empty when excluded
  };

  void bind(const registry::RegistryEntry& row, std::string& reason);
  void judge_at_start();
  [[nodiscard]] Interface make_interface(std::string_view name) const;

  ProcfsFile netdev_;
  std::string class_dir_;  // <sys>/class/net
  NameFilter exclude_;
  FamilyTable table_;
  std::vector<Counter> counters_;      // available families only
  std::vector<Attribute> attributes_;  // available families only
  InstanceRoster<Interface> interfaces_;
  std::uint32_t at_start_ = 0;
};

}  // namespace sysring::broker::linux_instances
