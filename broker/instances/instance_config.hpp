// What the instance sources read and leave out, from the [instances.*] sections of sysringd's
// config file (docs/CONFIG.md). The defaults are node_exporter's, so the same devices, mounts
// and interfaces appear in both.
#pragma once

#include <cstdint>
#include <string>

#include "scheduler/schedule_config.hpp"

namespace sysring::broker {

struct InstanceConfig {
  std::string proc_root = "/proc";
  std::string sys_root = "/sys";
  // [instances.disk] device_exclude: block devices left out (partitions, loop, ram, floppies).
  std::string disk_exclude = R"(^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p)\d+$)";
  // [instances.disk] udev_data: the udev database the disk labels path, serial, model, revision
  // and wwn come from (node_exporter's --path.udev.data).
  std::string udev_data = "/run/udev/data";
  // [instances.netif] device_exclude: interfaces left out (none by default).
  std::string netif_exclude;
  // [instances.filesystem] fs_types_exclude and mount_points_exclude.
  std::string fs_types_exclude =
      R"(^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|erofs|sysfs|tracefs)$)";
  std::string mount_points_exclude =
      R"(^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/))";
  // [instances.filesystem] statfs_timeout_ms: a mount whose statfs has not answered by then (a
  // hung network filesystem) is reported unavailable and not asked again until it answers.
  std::uint32_t statfs_timeout_ms = 1000;
  // [instances.filesystem] statfs_inline_types: filesystems whose statfs answers from in-memory
  // counters without I/O or locks that can wait on a device or a server (ext4's and xfs's
  // superblock counters, tmpfs's sizes). Their mounts are asked on the refresh thread, which
  // spares the worker's thread handoff; every other type (nfs, cifs, fuse, vfat, which may read
  // its FAT on the first call, ...) goes through the worker and its timeout. Empty: none.
  std::string statfs_inline_types = R"(^(ext[234]|xfs|tmpfs|ramfs)$)";
  // [instances.cgroup] root (empty: the cgroup2 mount found in mountinfo) and depth (1: the
  // groups directly under the root, such as system.slice and user.slice).
  std::string cgroup_root;
  std::uint32_t cgroup_depth = 1;
};

inline constexpr std::uint32_t kMaxCgroupDepth = 8;

// Applies the [instances.DOMAIN] sections of a config file: known domains and keys only, regexes
// that compile, numbers in range. Throws ScheduleConfigError with one line naming the section.
void apply_instance_sections(const ScheduleOverrides& config, InstanceConfig& out);

}  // namespace sysring::broker
