// The registry's `pmc.*` rows as MetricSources, fed by a CounterBackend.
//
// Row sources are "pmc:all:SLOT" (summed over CPUs) and "pmc:cpuN:SLOT". The backend is read once
// per tick, on the first counter row that is due. Totals stay monotonic across CPU hotplug: a CPU
// whose counters were re-opened (its enabled time went back) continues from where it stopped, and
// an offline CPU keeps its last totals in the sums, so clients never see a counter run backwards.
#pragma once

#include <memory>
#include <span>

#include "counters/counter_backend.hpp"
#include "sources/metric_sources.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker::counters {

// `entries`: the pmc.* rows. Without a backend every row is unavailable with setup's reason.
std::unique_ptr<MetricSources> make_counter_sources(
    std::span<const registry::RegistryEntry> entries, CounterSetup setup);

}  // namespace sysring::broker::counters
