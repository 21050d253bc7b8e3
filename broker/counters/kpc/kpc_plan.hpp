// The unprivileged half of set-up: the kpep database turns event names into KPC config words,
// a class mask and a counter map (darwin-facts §3.1 steps 3–6). Nothing here needs root or
// touches the counters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "counters/kpc/kpc_event_names.hpp"
#include "counters/kpc/kpc_symbols.hpp"

namespace sysring::broker::counters::kpc {

struct PlannedEvent {
  std::string slot;             // registry row suffix
  std::string kpep_name;        // the event kpep bound, e.g. "FIXED_CYCLES"
  std::size_t counter_index{};  // kpep_config_kpc_map: position in one CPU's counter slice
};

struct SkippedEvent {
  std::string slot;
  std::string why;  // "'INST_BRANCH' not usable in kpep database a15: kpep error 11 ..."
};

struct KpcPlan {
  std::uint32_t classes = 0;               // KPC class mask for set_counting and reads
  std::vector<kpc_config_t> config_words;  // for kpc_set_config; empty: nothing to program
  std::vector<PlannedEvent> events;        // in add order, the order of the map
  std::vector<SkippedEvent> skipped;       // optional events this chip cannot count
  std::string db_name;                     // kpep database name, e.g. "a15"; empty without one
  std::string db_problem;                  // set when there is no database: fixed counters only
};

// Throws KpcError when a required event cannot be counted or kpep fails outright. Without a
// database, cycles and instructions still come from the fixed counters (PMC0, PMC1; §3.4).
[[nodiscard]] KpcPlan plan_kpc_events(const KpcSymbols& kpc,
                                      std::span<const KpcEventRequest> requests);

}  // namespace sysring::broker::counters::kpc
