// The lines of /proc/<pid>/mountinfo, parsed in place: bytes in, one record per mount out.
//
//   "36 35 98:0 /mnt1 /mnt/my\040disk rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=r"
//     -> {mount_id 36, parent_id 35, root "/mnt1", mount_point "/mnt/my\040disk",
//         options "rw,noatime", fstype "ext3", source "/dev/root", super_options "rw,errors=r"}
// Fields (proc(5)): mount id, parent id, major:minor, root, mount point, per-mount options, zero
// or more optional fields ("shared:2", "master:1", ...), the separator "-", fstype, mount source,
// per-superblock options. The kernel escapes space, tab, newline and backslash in paths as
// three octal digits ("\040"); views keep the escapes, decode_mount_escapes() removes them.
// A line without the separator, or with fewer than five fields before it or two after it, is
// malformed and skipped.
//
// Read-only: the kernel writes "ro" or "rw" first in both option fields, the per-mount one from
// the mount's own flag (MNT_READONLY: `mount -o remount,bind,ro`, systemd's ProtectSystem=) and
// the superblock's from the filesystem's (`mount -o remount,ro`, ext4 once errors=remount-ro
// has tripped, a filesystem that is read-only by nature). Either makes the path read-only:
// /proc/mounts writes "ro" for both, statvfs sets ST_RDONLY for both, and node_exporter reads
// either (its readonly is "ro" among the options of /proc/1/mounts, or of mountinfo's two
// fields).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace sysring::broker::linux_instances {

struct MountRecord {
  std::uint64_t mount_id = 0;
  std::uint64_t parent_id = 0;
  std::string_view root;           // the path inside the mounted filesystem ("/" mostly)
  std::string_view mount_point;    // escaped
  std::string_view options;        // per-mount ("rw,relatime")
  std::string_view fstype;         // "ext4", "tmpfs", "fuse.sshfs"
  std::string_view source;         // escaped; "none", "tmpfs", "/dev/vda1", "host:/export"
  std::string_view super_options;  // may be empty
};

// Parses one line; false (and `out` unspecified) when the line is malformed.
bool parse_mount_line(std::string_view line, MountRecord& out);

// True when the comma-separated `options` hold `option` as a whole entry: "ro" is in
// "ro,relatime" but not in "rw,errors=remount-ro".
bool has_mount_option(std::string_view options, std::string_view option);

// True when the mount is read-only: "ro" among its per-mount options or its superblock's.
bool mount_is_readonly(const MountRecord& mount);

// Iterates the mounts of one read of a mountinfo file, skipping malformed lines.
class MountinfoReader {
 public:
  explicit MountinfoReader(std::string_view text) : rest_(text) {}
  bool next(MountRecord& out);

 private:
  std::string_view rest_;
};

// Decodes the kernel's "\ooo" escapes of `raw` into `out` and returns the decoded view. The
// decoded text is never longer than `raw`, so `out` of raw.size() bytes always suffices; a
// shorter `out` truncates. A backslash not followed by three octal digits (value <= 0377) is
// kept as it is.
std::string_view decode_mount_escapes(std::string_view raw, std::span<char> out);

}  // namespace sysring::broker::linux_instances
