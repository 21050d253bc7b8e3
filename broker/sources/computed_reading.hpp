// A computed formula's result as a reading, the same on every platform: a value, nothing yet
// (a rate's first sample: the slot stays empty), or unavailable; never a made-up 0.
#pragma once

#include <bit>
#include <cstdint>

#include "computed_metrics.hpp"
#include "metric_sources.hpp"

namespace sysring::broker {

// U64 rows publish the value as an integer, F64 rows as its bit pattern.
[[nodiscard]] inline Reading reading_of(const computed::Result& r, schema::ValueType type) {
  switch (r.outcome) {
    case computed::Outcome::kOk: {
      const std::uint64_t bits = type == schema::ValueType::U64
                                     ? static_cast<std::uint64_t>(r.value)
                                     : std::bit_cast<std::uint64_t>(r.value);
      return {layout::SlotStatus::kOk, bits, {}};
    }
    case computed::Outcome::kNotYet:
      return {layout::SlotStatus::kEmpty, 0, {}};
    case computed::Outcome::kUnavailable:
      break;
  }
  return {layout::SlotStatus::kUnavailable, 0, {}};
}

}  // namespace sysring::broker
