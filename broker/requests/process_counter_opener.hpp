// Opens one perf event per requested counter on one process (docs/PROCESS_COUNTERS.md "The
// exchange" 6): pid = target, cpu = -1, not a group, counting only, disabled, O_CLOEXEC.
// Through PerfSyscalls, so that tests can make an open fail half-way.
#pragma once

#include <linux/perf_event.h>
#include <sys/types.h>

#include <string>
#include <vector>

#include "counters/perf/perf_event_spec.hpp"
#include "counters/perf/perf_syscalls.hpp"

namespace sysring::broker::requests {

struct ProcessCounterFlags {
  bool inherit = false;
  bool enable_on_exec = false;
  bool kernel = false;  // granted: the spec's own exclude_kernel/exclude_hv; else both set
};

struct OpenedCounters {
  std::vector<int> fds;  // one per event, in order; empty when error is set
  std::string error;     // "cannot open cycles for pid 42: ..."
};

// The attr a process counter is opened with.
[[nodiscard]] perf_event_attr make_process_counter_attr(const counters::perf::PerfEventSpec& spec,
                                                        const ProcessCounterFlags& flags);

// Opens them all or none: on the first failure the ones already open are closed.
[[nodiscard]] OpenedCounters open_process_counters(
    counters::perf::PerfSyscalls& syscalls, pid_t pid,
    const std::vector<counters::perf::PerfEventSpec>& events, const ProcessCounterFlags& flags);

void close_counters(counters::perf::PerfSyscalls& syscalls, std::vector<int>& fds);

}  // namespace sysring::broker::requests
