// The registry's `pmc.*` rows, fed by a CounterBackend:
//   - `pmc.all.EVENT` scalars (source "pmc:all:EVENT"), summed over CPUs;
//   - `pmc.EVENT` families of the cpu domain (source "pmc:cpu:EVENT"), one value per CPU
//     instance, attached to the instances the cpu domain's owner (per-CPU /proc/stat) keeps.
//
// The backend is read once per tick, by whichever view is read first. Totals stay monotonic
// across CPU hotplug: a CPU whose counters were re-opened (its enabled time went back) continues
// from where it stopped, and an offline CPU keeps its last totals in the sums, so clients never
// see a counter run backwards.
#pragma once

#include <memory>
#include <span>

#include "counters/counter_backend.hpp"
#include "instances/instance_source.hpp"
#include "sources/metric_sources.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker::counters {

struct CounterViews {
  std::unique_ptr<MetricSources> totals;    // the pmc.all.* rows
  std::unique_ptr<InstanceSource> per_cpu;  // the pmc.* families of the cpu domain
};

// `entries`: the counter registry rows. Without a backend every row is unavailable with setup's
// reason.
CounterViews make_counter_sources(std::span<const registry::RegistryEntry> entries,
                                  CounterSetup setup);

}  // namespace sysring::broker::counters
