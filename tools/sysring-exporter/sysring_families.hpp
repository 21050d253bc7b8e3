// Everything of the segment that has no node_exporter name, as sysring_<family>: the unit in
// the name and converted to base units (seconds, bytes, hertz), `_total` on cumulative counts,
// HELP from the descriptor, instance families with their identity labels. Performance counters
// (`pmc` collector) go out per CPU with an `event` label: raw cumulative counts plus enabled and
// running seconds, so rates and multiplexing (running / enabled) are derived in PromQL.
#pragma once

#include <string>

#include "plan_builder.hpp"

namespace sysring::exporter {

// Returns the index of the first family that rarely changes (settings, hardware facts).
std::size_t plan_sysring_families(PlanBuilder& builder);

// How one sysring family is named and scaled when exported (exposed for the tests).
struct SysringName {
  std::string name;    // with its unit and, for a counter, _total
  std::string unit;    // base unit for OpenMetrics' # UNIT, or empty
  double scale = 1.0;  // to the base unit
  bool cumulative = false;
};
[[nodiscard]] SysringName sysring_name(const Descriptor& family, double clock_ticks,
                                       double page_size);

// Whether a family counts up from boot (exported as a counter) rather than being a level,
// decided from its kernel source, since the registry does not say.
[[nodiscard]] bool is_cumulative(const Descriptor& family);

}  // namespace sysring::exporter
