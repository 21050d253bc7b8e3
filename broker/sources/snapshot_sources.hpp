// The scalar rows served by Snapshots (snapshot.hpp): one MetricSources over all of them, so
// make_linux_sources can put them beside LinuxSources' procfs files.
//
//   source                 read from
//   timex:FIELD            adjtimex(2) with modes 0 (timex_snapshot.hpp)
//   conntrack_stat:FIELD   <proc>/net/stat/nf_conntrack, summed over CPUs
//   udp_queues:v4|v6:tx|rx <proc>/net/udp, <proc>/net/udp6, summed over sockets
//   selinux:enabled        whether <sys>/fs/selinux/enforce exists
//   os_release:KEY         /etc/os-release, else /usr/lib/os-release
//
// As with LinuxSources, construction decides availability: every snapshot is taken once, and a
// value that is not kOk then stays unavailable with its reason.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sources/metric_sources.hpp"
#include "sources/snapshot.hpp"
#include "sources/timex_snapshot.hpp"

namespace sysring::broker {

struct SnapshotPaths {
  std::string proc_root = "/proc";
  std::string sys_root = "/sys";
  // Tried in order; the first that exists is read (os-release(5)).
  std::vector<std::string> os_release = {"/etc/os-release", "/usr/lib/os-release"};
  AdjtimexFunction adjtimex = read_adjtimex;
};

// Whether a Snapshot kind serves `source` ("timex:offset", ...).
bool is_snapshot_source(std::string_view source);

class SnapshotSources final : public MetricSources {
 public:
  SnapshotSources(std::span<const registry::RegistryEntry> entries, const SnapshotPaths& paths);

  [[nodiscard]] const Availability& availability(std::uint16_t id) const override;
  void begin_tick() override { ++tick_; }
  Reading read(std::uint16_t id) override;

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  struct Taken {
    std::unique_ptr<Snapshot> snapshot;
    std::uint64_t tick = UINT64_MAX;
  };
  struct Slot {
    Availability availability;
    std::uint32_t snapshot = kNone;  // index into snapshots_
    std::size_t value = 0;
  };

  std::uint32_t snapshot_for(std::string_view kind, const SnapshotPaths& paths);

  std::vector<Taken> snapshots_;
  std::vector<std::string> kinds_;  // parallel to snapshots_
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> slot_of_id_;
  std::uint64_t tick_ = 0;
};

}  // namespace sysring::broker
