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
