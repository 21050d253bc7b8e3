// sysring's event names (--pmc-events, counter_events.hpp) → the kpep names to look up.
// kpep names are the same on every Apple chip that has the event, so nothing is gated on the
// chip: the database answers at run time and a missing name falls through to the next
// candidate (darwin-facts §4.1, last bullet; names and masks in §4.2).
#pragma once

#include <span>
#include <string>
#include <vector>

namespace sysring::broker::counters::kpc {

struct KpcEventRequest {
  std::string slot;                     // registry row suffix: "cycles", "custom0"
  std::string requested;                // as the user (or the default set) named it
  std::vector<std::string> kpep_names;  // kpep event names or aliases, tried in order
  int fixed_counter = -1;  // 0 cycles, 1 instructions: countable without a kpep database
  bool optional = false;   // default set: dropped when this chip lacks it; explicit: an error
};

// `names` empty: the default hardware set (counter_events.hpp), each optional. Otherwise each
// name is a sysring event ("cycles", "branch-misses") or a raw kpep event name/alias that goes
// to a custom slot ("L1I_CACHE_MISS_DEMAND" → custom0). Throws KpcError for software events,
// duplicates, empty names and more raw events than custom slots.
[[nodiscard]] std::vector<KpcEventRequest> resolve_kpc_events(std::span<const std::string> names);

}  // namespace sysring::broker::counters::kpc
