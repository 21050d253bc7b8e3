// The mounts the filesystem domain publishes, from one read of a mountinfo file.
//
// Where a path is mounted more than once, the last (top) mount is the one a path lookup, and so
// statvfs, reaches: it alone is kept, at the position of the path's first mount (node_exporter
// keeps the last too). Exclusion applies to that top mount: a path whose top mount is excluded
// is left out even when a mount beneath it would not be. The exclusions are node_exporter's
// fs_types_exclude and mount_points_exclude, matched as it does (a search, not a full match:
// the default patterns anchor themselves with ^ and $).
//
// A path's options may change while it stays mounted (`mount -o remount,ro`): the Mount read
// from the next table says so, and compares unequal to the one before.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sources/linux/name_filter.hpp"

namespace sysring::broker::linux_instances {

struct Mount {
  std::string mount_point;  // escapes decoded: "/mnt/my disk"
  std::string device;       // the mount source, escapes decoded: "/dev/vda1", "tmpfs"
  std::string fstype;
  // "ro" in the per-mount or the superblock options (mount_is_readonly): the table's word, not
  // statvfs's, which answers for the reader's own mount namespace (read-only remounts of a
  // sandbox such as systemd's ProtectSystem= included). A remount changes it in place.
  bool readonly = false;

  bool operator==(const Mount&) const = default;
};

class MountFilter {
 public:
  // ECMAScript patterns, compiled once; an empty pattern excludes nothing. A bad pattern throws
  // std::invalid_argument with one line naming the setting.
  MountFilter(const std::string& fs_types_exclude, const std::string& mount_points_exclude)
      : fs_types_("[instances.filesystem] fs_types_exclude", fs_types_exclude),
        mount_points_("[instances.filesystem] mount_points_exclude", mount_points_exclude) {}

  [[nodiscard]] bool excluded(const Mount& mount) const {
    return fs_types_.excludes(mount.fstype) || mount_points_.excludes(mount.mount_point);
  }

 private:
  NameFilter fs_types_;
  NameFilter mount_points_;
};

// The kept mounts of a mountinfo text, in table order; malformed lines are skipped.
std::vector<Mount> visible_mounts(std::string_view mountinfo, const MountFilter& filter);

}  // namespace sysring::broker::linux_instances
