#include "counters/platform_counters.hpp"

namespace sysring::broker::counters {

CounterSetup make_platform_counters(const CounterOptions& options) {
  if (!options.enabled) return {nullptr, "counters turned off (--no-counters)"};
  // Until the perf_event backend lands (broker/counters/perf/).
  return {nullptr, "this sysringd was built without a perf_event backend"};
}

}  // namespace sysring::broker::counters
