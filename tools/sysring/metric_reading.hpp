// One metric's current value, copied out of the value table together with its status.
#pragma once

#include <cstdint>
#include <string>

#include "sysring/client.hpp"

namespace sysring::cli {

struct MetricReading {
  const Descriptor* descriptor = nullptr;
  ReadStatus status = ReadStatus::kEmpty;
  std::uint64_t bits = 0;  // numeric types, typed by descriptor->type
  std::string text;        // ValueType::String
  CounterTotals counter;   // ValueType::Counter (bits holds its count too)
  std::uint64_t read_time_ns = 0;
};

// Reads through the seqlock; retries a few times if the broker keeps the slot busy.
[[nodiscard]] MetricReading read_metric(const Client& client, const Descriptor& descriptor);

// The status in words for anything but ok, e.g. "unavailable: no /proc/pressure".
[[nodiscard]] std::string status_text(const MetricReading& reading);

}  // namespace sysring::cli
