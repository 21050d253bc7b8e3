// The netif domain's owner: one instance per network interface of the broker's network namespace
// whose name does not match InstanceConfig::netif_exclude (empty: none left out). Name and
// `device` label: the interface name; labels `address` and `broadcast` (hardware addresses as
// sysfs prints them, "" for none) and `ifalias` ("" when unset) follow. A changed label is a new
// registration of the instance (InstanceSink::present).
//
// Families (registry `source`):
//   netdev:N          field N of the interface's /proc/net/dev line (0 rx_bytes .. 15
//                     tx_compressed; see netdev_parser.hpp)
//   netdev:rx_nohandler  packets no protocol took (IFLA_STATS64; statistics/rx_nohandler in sysfs)
//   netclass:ATTR     <sys>/class/net/<if>/ATTR, one of operstate (as its IF_OPER_* code),
//                     carrier, speed (Mbit/s), mtu, carrier_changes, tx_queue_len, ifindex,
//                     flags (dev->flags, hex in the file), addr_assign_type, dev_id (hex),
//                     dormant, iflink, link_mode, name_assign_type, netdev_group, type,
//                     carrier_up_count, carrier_down_count, duplex (1 unknown, 2 half, 3 full)
//   arp:entries       lines of <proc>/net/arp naming the interface (0 for none)
// Carrier, dormant and duplex have no value while the interface is down (the read fails with
// EINVAL), nor does speed when the driver reports -1 or has no link settings, nor
// name_assign_type when the kernel does not know it: kUnavailable for that interface, as is any
// attribute whose file the interface lacks.
//
// Where the values come from:
//   rtnetlink, when proc_root is "/proc" and sys_root is "/sys" (the machine itself): one
//     RTM_GETLINK dump per refresh (rtnetlink_dumper.hpp) gives the interfaces, their counters
//     (IFLA_STATS64, folded as /proc/net/dev prints them) and operstate, carrier, mtu,
//     carrier_changes, carrier_up_count, carrier_down_count, rx_nohandler, tx_queue_len,
//     ifindex and the labels: three syscalls in all instead of one read per interface and
//     attribute. Speed is only in sysfs, and sysfs `flags` is dev->flags
//     while the dump's ifi_flags adds IFF_RUNNING, IFF_LOWER_UP and IFF_DORMANT and takes
//     IFF_PROMISC and IFF_ALLMULTI from the user's settings only: both stay kept-open sysfs
//     files, read only when the sink wants them (their TTL is long). Carrier is kUnavailable
//     when ifi_flags lacks IFF_UP, as sysfs fails the read unless the interface is running.
//   the files, when either root is another tree (tests and fixtures: a dump describes this
//     machine, not the tree) or rtnetlink failed at construction (a seccomp filter, say; the
//     families' detail says why): <proc>/net/dev once per refresh, and the sysfs files of each
//     interface, kept open, read when wanted (the label files every refresh).
// The choice is made once, at construction. A refresh whose dump or file read fails reports no
// interface (every instance is gone until the next one that succeeds).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "arp_parser.hpp"
#include "family_table.hpp"
#include "instance_roster.hpp"
#include "instances/instance_config.hpp"
#include "instances/instance_source.hpp"
#include "link_dumper.hpp"
#include "name_filter.hpp"
#include "rtnetlink_parser.hpp"
#include "sources/procfs_file.hpp"
#include "sysfs_attribute.hpp"

namespace sysring::broker::linux_instances {

class NetifInstances final : public InstanceSource {
 public:
  // Reads over rtnetlink when the roots are the machine's own, else the files.
  // Throws std::invalid_argument when config.netif_exclude is not a valid ECMAScript regex.
  NetifInstances(std::span<const registry::RegistryEntry> rows, const InstanceConfig& config);
  // Reads the links through `dumper` (tests: a fake) and speed and flags under config.sys_root;
  // the files when `dumper` is null or its first dump fails.
  NetifInstances(std::span<const registry::RegistryEntry> rows, const InstanceConfig& config,
                 std::unique_ptr<LinkDumper> dumper);

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Netif; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return table_.ids(); }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return table_.of(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return at_start_; }
  void refresh(InstanceSink& sink) override;

  // Which value of a link message a netclass attribute is, when the dump has it.
  enum class FromLink : std::uint8_t {
    kNone,  // sysfs only
    kOperstate,
    kCarrier,
    kCarrierChanges,
    kMtu,
    kTxQueueLen,
    kIfindex,
    kCarrierUpCount,
    kCarrierDownCount,
    kRxNohandler,
  };

 private:
  struct Counter {
    std::uint16_t family;
    std::size_t index;  // into the /proc/net/dev fields
  };
  struct Attribute {
    std::uint16_t family;
    std::string_view file;  // "operstate": a name from a static table
    AttributeFormat format;
    FromLink link;
    std::string_view link_name;  // "IFLA_OPERSTATE", for the detail
  };
  struct Interface {
    std::string name;
    bool excluded = false;
    std::vector<SysfsAttribute> attributes;  // parallel to sysfs_; empty when excluded
    std::array<std::string, 3> labels;       // address, broadcast, ifalias
    std::array<ProcfsFile, 3> label_files;   // their sysfs files (the files only)
  };
  enum class ArpState : std::uint8_t { kNotWanted, kCounted, kFailed };

  void bind(const registry::RegistryEntry& row, std::string& reason);
  // Each judges the families by the first read and sets at_start_.
  void judge_files_at_start();
  void judge_links_at_start(std::span<const std::byte> dump);
  void judge_sysfs_at_start(const std::string& first_kept);
  void judge_arp_at_start(const std::string& path);
  void describe(const std::string& files_because);

  [[nodiscard]] Interface make_interface(std::string_view name) const;
  Interface* enter(std::string_view name);
  void report_counters(InstanceSink& sink, std::uint32_t row,
                       std::span<const std::uint64_t> fields) const;
  void report_sysfs(InstanceSink& sink, std::uint32_t row, Interface& itf) const;
  std::uint32_t present(InstanceSink& sink, std::string_view name, const Interface& itf) const;
  static void read_label_files(Interface& itf);
  void count_arp(InstanceSink& sink);
  void report_arp(InstanceSink& sink, std::uint32_t row, std::string_view name) const;
  void refresh_files(InstanceSink& sink);
  void refresh_links(InstanceSink& sink);

  std::unique_ptr<LinkDumper> dumper_;  // null: the files
  ProcfsFile netdev_;                   // the files only
  std::string class_dir_;               // <sys>/class/net
  NameFilter exclude_;
  FamilyTable table_;
  std::vector<Counter> counters_;            // available families only
  std::vector<Attribute> from_link_;         // available, read from the dump (rtnetlink only)
  std::vector<Attribute> sysfs_;             // available, read from sysfs
  std::vector<LinkRecord> links_;            // the last dump's links, reused
  std::optional<std::uint16_t> arp_family_;  // available only
  ProcfsFile arp_;
  std::vector<ArpCount> arp_counts_;  // this refresh's, views into arp_
  ArpState arp_state_ = ArpState::kNotWanted;
  InstanceRoster<Interface> interfaces_;
  std::uint32_t at_start_ = 0;
};

}  // namespace sysring::broker::linux_instances
