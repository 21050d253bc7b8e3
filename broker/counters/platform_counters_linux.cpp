#include <stdexcept>

#include "counters/perf/perf_counters.hpp"
#include "counters/perf/perf_event_spec.hpp"
#include "counters/platform_counters.hpp"

namespace sysring::broker::counters {

CounterSetup make_platform_counters(const CounterOptions& options) {
  if (!options.enabled) return {nullptr, "counters turned off (--no-counters)"};
  // A name that exists nowhere is a typo: refuse to start rather than publish a silent gap.
  if (!options.events.empty()) {
    const perf::ResolvedEvents resolved = perf::resolve_perf_events(options.events);
    if (!resolved.error.empty()) throw std::invalid_argument(resolved.error);
  }
  perf::PerfCounterOptions perf_options;
  perf_options.events = options.events;
  perf_options.proc_root = options.proc_root;
  perf_options.sys_root = options.sys_root;
  CounterSetup setup = perf::make_perf_counters(perf_options);
  // Events the user chose that cannot be counted here (hardware events without a PMU, an event
  // the kernel refuses) fail the start too. Missing privilege does not: the broker still serves
  // every other metric, and says why it counts nothing.
  if (!setup.backend && !options.events.empty() && !setup.permission_denied) {
    throw std::invalid_argument(setup.unavailable_reason);
  }
  return setup;
}

}  // namespace sysring::broker::counters
