// A kernel read that yields several named values at once and fits none of the procfs record
// formats: a syscall (adjtimex), a table summed over its lines (conntrack statistics, UDP socket
// queues), a file outside /proc (os-release), whether a file exists (SELinux). SnapshotSources
// takes each at most once a tick, when one of its rows is read, and serves its values by index.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "sources/metric_sources.hpp"
#include "types_generated.h"

namespace sysring::broker {

class Snapshot {
 public:
  virtual ~Snapshot() = default;

  // The index of `key`'s value (the part of the source after "kind:"), or nullopt with `reason`
  // set: a key this kind does not have, or a type its value cannot take.
  virtual std::optional<std::size_t> bind(std::string_view key, schema::ValueType type,
                                          std::string& reason) = 0;
  // Reads the kernel now. Allocation-free after the first call: it runs every tick.
  virtual void take() = 0;
  // Value `index` of the last take(); a string's text stays valid until the next take().
  [[nodiscard]] virtual Reading value(std::size_t index) const = 0;
  // One line saying why value(index) is not kOk (construction only: may allocate).
  [[nodiscard]] virtual std::string why(std::size_t index) const = 0;
};

}  // namespace sysring::broker
