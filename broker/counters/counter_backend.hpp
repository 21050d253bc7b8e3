// The interface between the broker and a platform's hardware/software counters.
//
// A backend counts system-wide, per CPU: Linux perf_event groups (perf/), Apple KPC (kpc/).
// CounterSources (counter_sources.hpp) turns its readings into the registry's `pmc.*` rows, so
// clients and the CLI see the same metrics on both platforms.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace sysring::broker::counters {

// Event slots per CPU: the named events of counter_events.hpp plus the custom ones.
inline constexpr std::size_t kMaxEventsPerCpu = 17;

// A running total as the kernel reports it. time_enabled/time_running differ when the kernel
// multiplexes more events than the PMU has counters: the estimate is count * enabled / running.
struct CounterValue {
  std::uint64_t count = 0;
  std::uint64_t time_enabled_ns = 0;
  std::uint64_t time_running_ns = 0;
};

// One event as the backend bound it.
struct BoundEvent {
  std::string slot;        // registry row suffix: "cycles", "context_switches", "custom0"
  std::string event_name;  // as chosen: "cycles", "INST_RETIRED.ANY", "FIXED_CYCLES"
  std::string binding;     // for the descriptor: "perf hardware config 0x0, group 0 of 1"
};

// One CPU's readings of one read().
struct CpuCounters {
  bool online = false;  // false: offline, or its read failed; its rows are unavailable
  std::array<CounterValue, kMaxEventsPerCpu> values{};  // indexed like CounterBackend::events()
};

class CounterBackend {
 public:
  virtual ~CounterBackend() = default;

  // One line for the log, the descriptors and the CLI, e.g.
  // "perf_event: software events only (this machine has no hardware PMU)".
  [[nodiscard]] virtual const std::string& summary() const = 0;

  // The events counted on every CPU, in the order of CpuCounters::values.
  [[nodiscard]] virtual std::span<const BoundEvent> events() const = 0;

  // CPUs that can ever exist here (possible CPUs); read() fills exactly this many.
  [[nodiscard]] virtual std::uint32_t cpu_count() const = 0;

  // Reads every online CPU (one read per counter group) and tries to re-open CPUs that came
  // back online. Never throws. `out.size()` must equal cpu_count().
  virtual void read(std::span<CpuCounters> out) = 0;
};

// What a platform's set-up produced: a backend, or why there are no counters at all
// ("no CAP_PERFMON or root: ...", "kperf.framework: missing symbol kpc_set_config").
struct CounterSetup {
  std::unique_ptr<CounterBackend> backend;
  std::string unavailable_reason{};  // set when backend is null
  bool permission_denied = false;    // the reason is missing privilege (root, CAP_PERFMON)
};

}  // namespace sysring::broker::counters
