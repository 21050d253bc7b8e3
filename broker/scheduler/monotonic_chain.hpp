// The monotonic chain (design brief invariant 8): configuration may only lower how often a
// metric is read. Resolves the registry's schedule plus the config overrides into the effective
// schedule the tick loop follows and the descriptors publish, or refuses with one line.
//
//   POLLED (TTL t) -> POLLED (longer TTL) -> CONSTRAINED (TTL >= t) -> STATIC -> DISABLED
//
// DYNAMIC ranks with POLLED (both are read at their TTL); only a metric the registry calls
// DYNAMIC can be DYNAMIC. Pure and portable: no I/O.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "schedule_config.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker {

// How the broker reads one metric. ttl_ms is the period for POLLED, DYNAMIC and CONSTRAINED,
// and 0 for STATIC and DISABLED.
struct Schedule {
  schema::AccessPattern pattern = schema::AccessPattern::Disabled;
  std::uint32_t ttl_ms = 0;
  friend bool operator==(const Schedule&, const Schedule&) = default;
};

// A periodic registry row with ttl_ms 0 is read at this period.
inline constexpr std::uint32_t kDefaultTtlMs = 1000;

// The registry's own schedule for `entry` (its recommended pattern and TTL).
Schedule registry_schedule(const registry::RegistryEntry& entry);

// One Schedule per entry, in the same order. Metric overrides win over category overrides,
// key by key. Throws ScheduleConfigError for an unknown metric or category, or an override that
// would read a metric more often than the registry does.
std::vector<Schedule> resolve_schedules(std::span<const registry::RegistryEntry> entries,
                                        const ScheduleOverrides& overrides);

}  // namespace sysring::broker
