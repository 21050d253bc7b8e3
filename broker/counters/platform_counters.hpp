// The counter backend of the platform sysringd was built for: perf_event on Linux, KPC on macOS.
#pragma once

#include <string>
#include <vector>

#include "counters/counter_backend.hpp"

namespace sysring::broker::counters {

struct CounterOptions {
  bool enabled = true;              // --no-counters turns counting off
  std::vector<std::string> events;  // --pmc-events; empty: the platform's default set
  std::string proc_root = "/proc";
  std::string sys_root = "/sys";
};

// Never throws for a missing privilege or PMU (that is a CounterSetup without a backend and its
// reason); throws std::invalid_argument for events the user named that cannot exist here.
CounterSetup make_platform_counters(const CounterOptions& options);

}  // namespace sysring::broker::counters
