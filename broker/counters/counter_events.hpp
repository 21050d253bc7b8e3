// The counter events that have registry rows of their own (`pmc.all.cycles`, `pmc.cpu3.cycles`),
// named as perf(1) names them. Any other event goes to a custom slot (`pmc.cpu3.custom0`), and the
// descriptor says which event it holds.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

#include "counters/counter_backend.hpp"

namespace sysring::broker::counters {

struct NamedEvent {
  std::string_view slot;          // registry row suffix
  std::string_view generic_name;  // perf(1) name, accepted by --pmc-events
  bool hardware;                  // needs a PMU; software events are counted by the kernel
};

inline constexpr std::array<NamedEvent, 13> kNamedEvents = {{
    {"cycles", "cycles", true},
    {"instructions", "instructions", true},
    {"branches", "branches", true},
    {"branch_misses", "branch-misses", true},
    {"cache_references", "cache-references", true},
    {"cache_misses", "cache-misses", true},
    {"cpu_clock", "cpu-clock", false},
    {"task_clock", "task-clock", false},
    {"context_switches", "context-switches", false},
    {"cpu_migrations", "cpu-migrations", false},
    {"page_faults", "page-faults", false},
    {"minor_faults", "minor-faults", false},
    {"major_faults", "major-faults", false},
}};

// Slots "custom0".."custom3" hold events without a row of their own.
inline constexpr std::size_t kCustomSlots = 4;
static_assert(kNamedEvents.size() + kCustomSlots == kMaxEventsPerCpu);

// Counted when a PMU exists, and the software fallback when it does not.
inline constexpr std::array<std::string_view, 6> kDefaultHardwareEvents = {
    "cycles", "instructions", "branches", "branch-misses", "cache-references", "cache-misses"};
inline constexpr std::array<std::string_view, 7> kFallbackSoftwareEvents = {
    "cpu-clock",   "task-clock",   "context-switches", "cpu-migrations",
    "page-faults", "minor-faults", "major-faults"};

// The named event for a generic name or alias ("branch-instructions" is "branches"), if any.
[[nodiscard]] inline std::optional<NamedEvent> find_named_event(std::string_view name) noexcept {
  if (name == "branch-instructions") name = "branches";
  if (name == "faults") name = "page-faults";
  if (name == "cs") name = "context-switches";
  if (name == "migrations") name = "cpu-migrations";
  for (const NamedEvent& e : kNamedEvents) {
    if (e.generic_name == name || e.slot == name) return e;
  }
  return std::nullopt;
}

}  // namespace sysring::broker::counters
