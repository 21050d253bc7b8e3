// The interface between the broker's tick loop and a platform's kernel sources.
// A platform implements it (linux_sources.cpp, later darwin); the tick loop knows nothing else.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "sysring/layout.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker {

// One metric's value as just read.
struct Reading {
  layout::SlotStatus status = layout::SlotStatus::kReadError;  // kOk, kReadError or kUnavailable
  std::uint64_t bits = 0;   // U64 / I64 (two's complement) / F64 (bit pattern) / Counter count
  std::string_view text{};  // String metrics; valid until the next begin_tick()
  std::uint64_t time_enabled_ns = 0;  // Counter only: see sysring::CounterTotals
  std::uint64_t time_running_ns = 0;  // Counter only
};

// Whether a registry entry could be bound to a source on this machine.
struct Availability {
  bool available = false;
  std::string reason;    // one line, set when !available (e.g. "/proc/pressure/cpu: No such file")
  std::string detail{};  // optional: how it is bound, for the descriptor ("perf hardware cycles")
};

class MetricSources {
 public:
  virtual ~MetricSources() = default;

  // Decided once at construction; never changes afterwards.
  [[nodiscard]] virtual const Availability& availability(std::uint16_t id) const = 0;

  // Starts a tick: every source may be refreshed again, at most once, by the reads that follow.
  virtual void begin_tick() = 0;

  // Reads one metric, refreshing its underlying kernel file if this tick has not yet done so.
  // Never throws; an unavailable metric returns kUnavailable.
  virtual Reading read(std::uint16_t id) = 0;
};

// Linux: binds each entry's `source` column ("meminfo:MemTotal", "sysctl:kernel/hostname", ...)
// to a file under `proc_root` (or `sys_root` for "sysfs:" sources) kept open for the life of the
// broker. Tests pass fixture trees.
std::unique_ptr<MetricSources> make_linux_sources(std::span<const registry::RegistryEntry> entries,
                                                  const std::string& proc_root = "/proc",
                                                  const std::string& sys_root = "/sys");

}  // namespace sysring::broker
