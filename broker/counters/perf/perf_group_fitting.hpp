// Splitting the selected events into groups the PMU can schedule, on one CPU, before the
// backend opens the same plan on every CPU.
//
// A group is all-or-nothing: the kernel refuses a member that cannot be co-scheduled with the
// rest (EINVAL/ENOSPC at open), or accepts the group and then never runs it (time_running stays
// 0 while time_enabled grows, e.g. when the NMI watchdog holds a counter). Both cases shrink the
// group and move the rest into further groups; nothing is dropped quietly. An event the kernel
// refuses for itself (ENOENT, EOPNOTSUPP), or that cannot be opened or never runs even alone,
// is reported with the reason.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "counters/perf/perf_cpu_groups.hpp"
#include "counters/perf/perf_event_spec.hpp"
#include "counters/perf/perf_syscalls.hpp"

namespace sysring::broker::counters::perf {

struct EventFailure {
  std::size_t event = 0;  // index into the events given to fit_groups
  std::string reason;     // "No such file or directory", "never scheduled on the PMU ..."
};

struct FitResult {
  std::vector<std::size_t> kept;  // indices of the events that fit, in the order given
  std::vector<GroupPlan> groups;  // over `kept` (positions in it, not original indices)
  std::vector<EventFailure> failures;
  int permission_error = 0;  // EACCES/EPERM from any open: no counters at all
};

// Greedy packing in the order given: each group takes as many of the next events as the kernel
// accepts and schedules; a group that never runs is retried at half its size. Groups with a
// hardware event are enabled for `probe` and read once to see that they run (software events always
// do); probe == 0 skips that check.
[[nodiscard]] FitResult fit_groups(PerfSyscalls& sys, std::span<const PerfEventSpec> events,
                                   int cpu, std::chrono::milliseconds probe);

}  // namespace sysring::broker::counters::perf
