#include "counters/perf/perf_syscalls.hpp"

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace sysring::broker::counters::perf {
namespace {

class RealPerfSyscalls final : public PerfSyscalls {
 public:
  int open(const perf_event_attr& attr, pid_t pid, int cpu, int group_fd,
           unsigned long flags) override {
    // glibc has no wrapper for perf_event_open; the attr is only read by the kernel.
    const long fd = ::syscall(SYS_perf_event_open, &attr, pid, cpu, group_fd, flags);
    return fd < 0 ? -errno : static_cast<int>(fd);
  }

  ssize_t read(int fd, void* buffer, std::size_t length) override {
    ssize_t n;
    do {
      n = ::read(fd, buffer, length);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
  }

  int ioctl(int fd, unsigned long request, unsigned long argument) override {
    return ::ioctl(fd, request, argument) < 0 ? -errno : 0;
  }

  void close(int fd) override { ::close(fd); }
};

}  // namespace

std::shared_ptr<PerfSyscalls> real_perf_syscalls() {
  // Stateless, so one shared instance serves every backend.
  static const auto instance = std::make_shared<RealPerfSyscalls>();
  return instance;
}

}  // namespace sysring::broker::counters::perf
