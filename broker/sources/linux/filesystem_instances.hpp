// The filesystem domain: one instance per mount in the mount table (node_exporter's exclusions),
// named by its mount point, with the values of statvfs(2) on it and its read-only flag from the
// table.
//
//   source             value                     registry
//   statvfs:size       f_blocks * f_frsize       bytes
//   statvfs:free       f_bfree * f_frsize        bytes (root's reserve included)
//   statvfs:avail      f_bavail * f_frsize       bytes (for unprivileged users)
//   statvfs:files      f_files                   count
//   statvfs:files_free f_ffree                   count
//   statvfs:device_error  1 when the last statvfs failed or the mount is stuck, else 0
//                         (unavailable before the first answer)
//   mountinfo:readonly "ro" in the mount's        0 or 1 (always available: it needs no
//                      per-mount or superblock    statvfs answer)
//                      options
//
// Read-only is the host's word, not statvfs's ST_RDONLY: statvfs answers for the broker's own
// mount namespace, where a sandbox (systemd's ProtectSystem=strict, ProtectHome=read-only) has
// remounted every path read-only. The table of <proc>/1/mountinfo is init's namespace, so it
// says what node_exporter says ("ro" among the options of /proc/1/mounts). A remount changes the
// table, which the kernel signals like a mount: the next refresh reads the new options.
//
// Mounts: <proc>/1/mountinfo, parsed again only when the kernel says it changed (see
// MountinfoFile). Labels: device (the mount source), fstype, mountpoint. Mount points are paths
// of the real filesystem, not under proc_root: statvfs runs on them as the table names them.
//
// Values: statvfs of a mount whose type answers from memory (config.statfs_inline_types: ext4,
// xfs, tmpfs) runs on the refresh thread; every other mount's runs on a StatfsWorker, never on
// the refresh thread, which waits a few milliseconds at most and publishes the latest answers.
// A mount whose statvfs hangs (a dead network server) is unavailable, and skipped, until its
// call returns; a failed statvfs is a read error (device_error says 1 for both); a mount not
// answered yet is unavailable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "instances/instance_config.hpp"
#include "instances/instance_source.hpp"
#include "sources/linux/family_table.hpp"
#include "sources/linux/linux_instance_factories.hpp"
#include "sources/linux/mount_list.hpp"
#include "sources/linux/mountinfo_file.hpp"
#include "sources/linux/name_filter.hpp"
#include "sources/linux/statfs_worker.hpp"

namespace sysring::broker::linux_instances {

class FilesystemInstances final : public InstanceSource {
 public:
  // `worker` gives the statfs seam and the waits; its call_timeout is taken from
  // config.statfs_timeout_ms (10 ms at least). Throws std::invalid_argument for a bad
  // exclusion pattern.
  FilesystemInstances(Rows rows, const InstanceConfig& config, StatfsWorkerOptions worker = {});

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Filesystem; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return families_.ids(); }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return families_.of(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return instances_at_start_; }
  void refresh(InstanceSink& sink) override;

  // How often the mount table was read and parsed (tests: an unchanged table is not).
  [[nodiscard]] std::uint64_t mount_table_reads() const { return mount_table_reads_; }

 private:
  enum class Field : std::uint8_t {
    kSize,
    kFree,
    kAvail,
    kFiles,
    kFilesFree,
    kReadonly,
    kDeviceError
  };
  struct Bound {  // an available family and the value it publishes
    std::uint16_t id;
    Field field;
    bool wanted;  // due in this refresh (InstanceSink::wants)
  };

  // The field a registry source names; nullopt for one the domain does not publish.
  static std::optional<Field> field_of(std::string_view source);
  // Re-reads the mount table; false when it cannot be read (no instance then).
  bool reload_mounts();
  void report(InstanceSink& sink, const Mount& mount, const StatfsAnswer& answer) const;
  static Reading reading_of(const Mount& mount, const StatfsAnswer& answer, Field field);

  FamilyTable families_;
  std::vector<Bound> bound_;
  MountFilter filter_;
  NameFilter inline_types_;
  StatfsFunction inline_statfs_;  // the worker's seam, for the mounts asked inline
  MountinfoFile mountinfo_;
  bool table_readable_ = false;
  std::vector<Mount> mounts_;
  std::vector<StatfsAnswer> answers_;  // per mount, in mounts_ order
  // Per mount: its index among the worker's paths, or kInline.
  static constexpr std::size_t kInline = SIZE_MAX;
  std::vector<std::size_t> worker_index_;
  std::vector<StatfsAnswer> worker_answers_;  // in the worker's path order
  StatfsWorker worker_;
  std::uint32_t instances_at_start_ = 0;
  std::uint64_t mount_table_reads_ = 0;
};

}  // namespace sysring::broker::linux_instances
