// The interface between the tick loop and the sources of instance families: a source reads its
// kernel file(s) once per refresh and reports every instance it found and every value it read.
//
// The instances a domain has are decided by one source, its owner (per-CPU lines of /proc/stat
// for cpu, /proc/diskstats for disk, ...): an instance it does not report in a refresh is gone.
// Other sources of the domain (the counters, for cpu) only attach values to live instances.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "sources/metric_sources.hpp"
#include "sysring/domains.hpp"

namespace sysring::broker {

// A label as a source reports it: views valid during the call.
struct LabelView {
  std::string_view key;
  std::string_view value;
};

inline constexpr std::uint32_t kNoRow = UINT32_MAX;

class InstanceSink {
 public:
  virtual ~InstanceSink() = default;
  // Owner sources: `name` exists now. Returns its row, or kNoRow when it cannot be published
  // (its domain's rows are all taken, or the name or labels are too long). Labels are part of
  // the identity: the same name with other labels is a new registration.
  virtual std::uint32_t present(std::string_view name, std::span<const LabelView> labels) = 0;
  // Other sources: the row of the live instance `name`, or kNoRow.
  [[nodiscard]] virtual std::uint32_t find(std::string_view name) const = 0;
  // One value of `family` for the instance in `row` (a row present() or find() returned).
  virtual void value(std::uint16_t family, std::uint32_t row, const Reading& reading) = 0;
  // Whether a value of `family` would be used in this refresh: its TTL is due, or it is STATIC
  // (read once per instance). Sources may skip reading what is not wanted.
  [[nodiscard]] virtual bool wants(std::uint16_t family) const = 0;
};

class InstanceSource {
 public:
  virtual ~InstanceSource() = default;

  [[nodiscard]] virtual InstanceDomain domain() const = 0;
  // True for the source that decides which instances of its domain exist.
  [[nodiscard]] virtual bool owns_domain() const { return true; }
  // The families this source answers (registry rows of its domain it was built from).
  [[nodiscard]] virtual std::span<const std::uint16_t> families() const = 0;
  // Decided once at construction, per family of this source; never changes afterwards.
  [[nodiscard]] virtual const Availability& availability(std::uint16_t family) const = 0;
  // Instances found at construction, to size the domain's rows.
  [[nodiscard]] virtual std::uint32_t instances_at_start() const = 0;
  // Reads the kernel once and reports every instance (owners) and value through `sink`.
  // Never throws; a file that cannot be read reports nothing (owners: every instance is gone).
  virtual void refresh(InstanceSink& sink) = 0;
};

}  // namespace sysring::broker
