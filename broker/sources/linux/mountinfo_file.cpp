#include "sources/linux/mountinfo_file.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "sources/linux/mountinfo_parser.hpp"
#include "sources/linux/path_reasons.hpp"

namespace sysring::broker::linux_instances {
namespace {

// Seq files of the mount table return short reads at page boundaries: read until EOF.
ProcfsFile open_table(const std::string& proc_root) {
  ProcfsFile init(proc_root + "/1/mountinfo", ProcfsFile::ReadMode::kUntilEof);
  if (init.is_open()) return init;
  ProcfsFile self(proc_root + "/self/mountinfo", ProcfsFile::ReadMode::kUntilEof);
  return self.is_open() ? std::move(self) : std::move(init);
}

}  // namespace

MountinfoFile::MountinfoFile(const std::string& proc_root) : file_(open_table(proc_root)) {
  if (!file_.is_open()) {
    open_error_ = path_error(file_.path(), file_.open_error());
    return;
  }
  poll_fd_ = ::open(file_.path().c_str(), O_RDONLY | O_CLOEXEC);
  struct statfs fs {};
  pollable_ = poll_fd_ >= 0 && ::fstatfs(poll_fd_, &fs) == 0 && fs.f_type == PROC_SUPER_MAGIC;
}

MountinfoFile::~MountinfoFile() {
  if (poll_fd_ >= 0) ::close(poll_fd_);
}

bool MountinfoFile::changed() {
  bool signalled = !pollable_;
  if (pollable_) {
    pollfd p{poll_fd_, POLLPRI, 0};
    int n = 0;
    do {
      n = ::poll(&p, 1, 0);
    } while (n < 0 && errno == EINTR);
    // A failed poll cannot say "unchanged": read the table rather than miss a change.
    signalled = n < 0 || (n > 0 && (p.revents & (POLLPRI | POLLERR)) != 0);
  }
  const bool first = std::exchange(first_, false);  // the first poll consumes the open's mark
  return first || signalled;
}

std::string find_cgroup2_mount(std::string_view mountinfo) {
  MountinfoReader reader(mountinfo);
  MountRecord mount;
  while (reader.next(mount)) {
    if (mount.fstype != "cgroup2") continue;
    std::vector<char> buffer(mount.mount_point.size());
    return std::string(decode_mount_escapes(mount.mount_point, buffer));
  }
  return {};
}

}  // namespace sysring::broker::linux_instances
