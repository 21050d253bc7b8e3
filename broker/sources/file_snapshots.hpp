// The Snapshots read from files (snapshot.hpp): each keeps its file open and re-reads it with one
// pread per take(), except os-release, which is read once.
//
//   ConntrackStatSnapshot  conntrack_stat:FIELD   <proc>/net/stat/nf_conntrack, summed over CPUs
//                                                 (unavailable without the nf_conntrack module)
//   UdpQueuesSnapshot      udp_queues:v4|v6:tx|rx <proc>/net/udp and udp6, summed over sockets
//   SelinuxSnapshot        selinux:enabled        1 when <sys>/fs/selinux/enforce exists
//                                                 (selinuxfs is mounted), else 0
//   OsReleaseSnapshot      os_release:KEY         the first of the paths that exists; a key it
//                                                 lacks is an empty string (node_exporter's
//                                                 os_info does the same); no file: unavailable
#pragma once

#include <array>
#include <string>
#include <vector>

#include "sources/os_release_parser.hpp"
#include "sources/procfs_file.hpp"
#include "sources/snapshot.hpp"
#include "sources/table_sums.hpp"

namespace sysring::broker {

class ConntrackStatSnapshot final : public Snapshot {
 public:
  explicit ConntrackStatSnapshot(const std::string& proc_root);
  std::optional<std::size_t> bind(std::string_view key, schema::ValueType type,
                                  std::string& reason) override;
  void take() override;
  [[nodiscard]] Reading value(std::size_t index) const override;
  [[nodiscard]] std::string why(std::size_t index) const override;

 private:
  ProcfsFile file_;
  int error_ = 0;
  ConntrackStatTotals totals_;
};

class UdpQueuesSnapshot final : public Snapshot {
 public:
  explicit UdpQueuesSnapshot(const std::string& proc_root);
  std::optional<std::size_t> bind(std::string_view key, schema::ValueType type,
                                  std::string& reason) override;
  void take() override;
  [[nodiscard]] Reading value(std::size_t index) const override;  // v4 tx, v4 rx, v6 tx, v6 rx
  [[nodiscard]] std::string why(std::size_t index) const override;

 private:
  std::array<ProcfsFile, 2> files_;  // udp, udp6
  std::array<int, 2> errors_{};
  std::array<UdpQueueTotals, 2> totals_{};
};

class SelinuxSnapshot final : public Snapshot {
 public:
  explicit SelinuxSnapshot(const std::string& sys_root);
  std::optional<std::size_t> bind(std::string_view key, schema::ValueType type,
                                  std::string& reason) override;
  void take() override;
  [[nodiscard]] Reading value(std::size_t index) const override;
  [[nodiscard]] std::string why(std::size_t index) const override;

 private:
  std::string enforce_path_;
  bool enabled_ = false;
};

class OsReleaseSnapshot final : public Snapshot {
 public:
  // Reads the first of `paths` that can be opened, now: what an installed system is does not
  // change under a running broker often enough to re-read (the rows are STATIC).
  explicit OsReleaseSnapshot(const std::vector<std::string>& paths);
  std::optional<std::size_t> bind(std::string_view key, schema::ValueType type,
                                  std::string& reason) override;
  void take() override {}
  [[nodiscard]] Reading value(std::size_t index) const override;
  [[nodiscard]] std::string why(std::size_t index) const override;

 private:
  bool read_ = false;
  std::string problem_;                  // why no file could be read
  std::vector<OsReleaseEntry> entries_;  // the file's
  std::vector<std::string> bound_;       // one per bound key: its value, "" when absent
};

}  // namespace sysring::broker
