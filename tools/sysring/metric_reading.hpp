// One value as read now: a scalar metric's, or one instance's value of a family, copied out of
// the value table together with its status and (for instance values) the instance it is of.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "selector.hpp"
#include "sysring/client.hpp"

namespace sysring::cli {

struct MetricReading {
  const Descriptor* descriptor = nullptr;
  // The instance the value is of (keeping its directory alive); null for a scalar.
  std::shared_ptr<const Instance> instance;
  ReadStatus status = ReadStatus::kEmpty;
  std::uint64_t bits = 0;  // numeric types, typed by descriptor->type
  std::string text;        // ValueType::String
  CounterTotals counter;   // ValueType::Counter (bits holds its count too)
  std::uint64_t read_time_ns = 0;
};

// Reads a scalar through the latch; retries a few times if the broker keeps it busy.
[[nodiscard]] MetricReading read_metric(const Client& client, const Descriptor& descriptor);

// Reads a family's values for every live instance `selector` accepts, all from one broker
// publish, in the instances' natural name order ("cpu2" before "cpu10").
[[nodiscard]] std::vector<MetricReading> read_instances(const Client& client,
                                                        const Descriptor& family,
                                                        const Selector& selector);

// The status in words for anything but ok, e.g. "unavailable: no /proc/pressure".
[[nodiscard]] std::string status_text(const MetricReading& reading);

}  // namespace sysring::cli
