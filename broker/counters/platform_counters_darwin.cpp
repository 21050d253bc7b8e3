#include "counters/kpc/kpc_counters.hpp"
#include "counters/platform_counters.hpp"

namespace sysring::broker::counters {

CounterSetup make_platform_counters(const CounterOptions& options) {
  if (!options.enabled) return {nullptr, "counters turned off (--no-counters)"};
  kpc::KpcOptions kpc_options;
  kpc_options.events = options.events;
  return kpc::make_kpc_counters(kpc_options);
}

}  // namespace sysring::broker::counters
