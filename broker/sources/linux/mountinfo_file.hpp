// The mount table of the broker's view of the system, kept open, re-read only when it changed.
//
// <proc>/1/mountinfo is the table of init's mount namespace (the host's mounts, as node_exporter
// reads them); <proc>/self/mountinfo is the fallback where /proc/1 cannot be read. The kernel
// signals a change of the table with POLLPRI|POLLERR on an open mountinfo file (once per open
// file and change), so an unchanged table costs one poll() per refresh and no read. A file that
// is not on procfs (a test fixture) cannot signal: it counts as changed at every refresh.
#pragma once

#include <string>
#include <string_view>

#include "sources/procfs_file.hpp"

namespace sysring::broker::linux_instances {

class MountinfoFile {
 public:
  explicit MountinfoFile(const std::string& proc_root);
  ~MountinfoFile();
  MountinfoFile(const MountinfoFile&) = delete;
  MountinfoFile& operator=(const MountinfoFile&) = delete;
  MountinfoFile(MountinfoFile&&) = delete;
  MountinfoFile& operator=(MountinfoFile&&) = delete;

  [[nodiscard]] bool is_open() const { return file_.is_open(); }
  // "<proc>/1/mountinfo: No such file or directory" when neither file could be opened.
  [[nodiscard]] const std::string& open_error() const { return open_error_; }
  [[nodiscard]] const std::string& path() const { return file_.path(); }

  // True when the table may have changed since the last call: always the first time, on procfs
  // when poll() says so, and every time for a file that is not on procfs.
  bool changed();
  // Reads the table again: 0 or an errno value; contents() holds it until the next read.
  int read() { return file_.refresh(); }
  [[nodiscard]] std::string_view contents() const { return file_.contents(); }

 private:
  ProcfsFile file_;
  int poll_fd_ = -1;  // its own open file: the kernel's change mark is per open file
  bool pollable_ = false;
  bool first_ = true;
  std::string open_error_;
};

// The mount point of the first cgroup2 filesystem in a mountinfo text ("/sys/fs/cgroup"),
// escapes decoded; empty when there is none.
std::string find_cgroup2_mount(std::string_view mountinfo);

}  // namespace sysring::broker::linux_instances
