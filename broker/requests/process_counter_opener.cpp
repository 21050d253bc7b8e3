#include "requests/process_counter_opener.hpp"

#include <cerrno>
#include <cstring>

#include "sysring/errno_text.hpp"

namespace sysring::broker::requests {

using counters::perf::PerfEventSpec;

perf_event_attr make_process_counter_attr(const PerfEventSpec& spec,
                                          const ProcessCounterFlags& flags) {
  perf_event_attr attr{};
  std::memset(&attr, 0, sizeof attr);
  attr.size = sizeof attr;
  attr.type = spec.type;
  attr.config = spec.config;
  attr.config1 = spec.config1;
  attr.config2 = spec.config2;
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  attr.disabled = 1;
  attr.enable_on_exec = flags.enable_on_exec ? 1 : 0;
  attr.inherit = flags.inherit ? 1 : 0;
  attr.exclude_user = spec.exclude_user ? 1 : 0;
  attr.exclude_kernel = (!flags.kernel || spec.exclude_kernel) ? 1 : 0;
  attr.exclude_hv = (!flags.kernel || spec.exclude_hv) ? 1 : 0;
  attr.exclude_guest = spec.exclude_guest ? 1 : 0;
  attr.exclude_host = spec.exclude_host ? 1 : 0;
  return attr;
}

OpenedCounters open_process_counters(counters::perf::PerfSyscalls& syscalls, pid_t pid,
                                     const std::vector<PerfEventSpec>& events,
                                     const ProcessCounterFlags& flags) {
  OpenedCounters out;
  out.fds.reserve(events.size());
  for (const PerfEventSpec& spec : events) {
    const perf_event_attr attr = make_process_counter_attr(spec, flags);
    const int fd = syscalls.open(attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
      close_counters(syscalls, out.fds);
      const int err = -fd;
      out.error = "cannot open " + spec.name + " for pid " + std::to_string(pid) + ": " +
                  errno_text(err) + (err == ESRCH ? " (it exited)" : "");
      return out;
    }
    out.fds.push_back(fd);
  }
  return out;
}

void close_counters(counters::perf::PerfSyscalls& syscalls, std::vector<int>& fds) {
  for (const int fd : fds) syscalls.close(fd);
  fds.clear();
}

}  // namespace sysring::broker::requests
