// The four system calls the perf backend makes, behind an interface so that tests can inject
// failures (EACCES, EINVAL on a full group, ENODEV from a CPU going away) without a kernel that
// produces them on demand.
#pragma once

#include <linux/perf_event.h>
#include <sys/types.h>

#include <cstddef>
#include <memory>

namespace sysring::broker::counters::perf {

class PerfSyscalls {
 public:
  virtual ~PerfSyscalls() = default;

  // perf_event_open(2). Returns the fd, or -errno (never touches errno, so fakes stay simple).
  virtual int open(const perf_event_attr& attr, pid_t pid, int cpu, int group_fd,
                   unsigned long flags) = 0;
  // read(2). Returns the byte count, or -errno.
  virtual ssize_t read(int fd, void* buffer, std::size_t length) = 0;
  // ioctl(2) with an integer argument. Returns 0, or -errno.
  virtual int ioctl(int fd, unsigned long request, unsigned long argument) = 0;
  virtual void close(int fd) = 0;
};

// The kernel's: syscall(SYS_perf_event_open, ...), ::read, ::ioctl, ::close.
[[nodiscard]] std::shared_ptr<PerfSyscalls> real_perf_syscalls();

}  // namespace sysring::broker::counters::perf
