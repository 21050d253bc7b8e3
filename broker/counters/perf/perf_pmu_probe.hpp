// Whether this machine has a usable hardware PMU, and whether we may count system-wide at all,
// found by opening the most common hardware event (cycles) on one CPU.
#pragma once

#include <cerrno>
#include <string>

#include "counters/perf/perf_syscalls.hpp"

namespace sysring::broker::counters::perf {

struct PmuProbe {
  enum class Kind {
    kHardware,      // cycles opened: hardware events can be counted
    kNoHardware,    // ENOENT/EOPNOTSUPP/ENODEV: no PMU (a VM without one, for example)
    kUnusable,      // another error (EBUSY: someone holds the PMU exclusively, ...)
    kNoPermission,  // EACCES/EPERM: not root, no CAP_PERFMON, paranoid too high
  };
  Kind kind = Kind::kHardware;
  int error = 0;  // positive errno when kind != kHardware
};

[[nodiscard]] PmuProbe probe_pmu(PerfSyscalls& sys, int cpu);

[[nodiscard]] inline bool is_permission_error(int error) {
  return error == EACCES || error == EPERM;
}

// "perf_event_open: no CAP_PERFMON or root (perf_event_paranoid=2): Permission denied", with the
// value read from <proc_root>/sys/kernel/perf_event_paranoid ("?" when it cannot be read).
[[nodiscard]] std::string no_permission_message(const std::string& proc_root, int error);

}  // namespace sysring::broker::counters::perf
