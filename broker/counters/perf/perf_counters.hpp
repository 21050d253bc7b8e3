// The Linux counter set-up: make_perf_counters chooses the events, checks privilege and the
// PMU, fits the events into groups, and opens them on every online CPU.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "counters/counter_backend.hpp"

namespace sysring::broker::counters::perf {

class PerfSyscalls;

struct PerfCounterOptions {
  // Event names (perf(1) generic names or libpfm4 names). Empty: kDefaultHardwareEvents, or
  // kFallbackSoftwareEvents where there is no hardware PMU.
  std::vector<std::string> events;
  std::string sys_root = "/sys";    // devices/system/cpu/{possible,online}
  std::string proc_root = "/proc";  // sys/kernel/perf_event_paranoid, for the privilege message
  std::shared_ptr<PerfSyscalls> syscalls;  // null: the kernel's (real_perf_syscalls())
  // How often read() re-reads the online list to re-open CPUs that came back (0: every read).
  std::chrono::milliseconds hotplug_check_interval{1000};
  // How long a group with hardware events counts at start to see that it is scheduled at all
  // (0: no check).
  std::chrono::milliseconds fit_probe{20};
};

// A backend, or no backend and one line saying why (no privilege, unknown event, hardware
// events asked for on a machine without a PMU, unreadable CPU lists). Never throws.
[[nodiscard]] CounterSetup make_perf_counters(const PerfCounterOptions& options);

}  // namespace sysring::broker::counters::perf
