// What a read returns: plain values copied out of shared memory, never references into it.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "sysring/layout.hpp"
#include "types_generated.h"

namespace sysring {

using schema::AccessPattern;
using schema::ValueType;

// The first four values equal layout::SlotStatus, so the hot read decodes a status with a mask.
enum class ReadStatus : std::uint8_t {
  kEmpty = 0,         // the broker has not read it yet
  kOk = 1,            //
  kUnavailable = 2,   // the broker cannot read it on this machine (see the descriptor's reason)
  kReadError = 3,     // the broker's last read failed
  kNoSuchMetric = 4,  // no such metric here (or an instance family read without an instance)
  kBusy = 5,          // the broker kept publishing during every attempt; retry
  kGone = 6,          // the instance was removed (a handle from before; the row may be reused)
};

[[nodiscard]] const char* to_string(ReadStatus status) noexcept;

// A scalar as published: the raw 64-bit pattern plus its type and when the broker read it.
struct Scalar {
  std::uint64_t bits = 0;
  ValueType type = ValueType::Unknown;
  std::uint64_t read_time_ns = 0;  // CLOCK_MONOTONIC, comparable with the caller's clock

  [[nodiscard]] std::uint64_t as_u64() const noexcept { return bits; }
  [[nodiscard]] std::int64_t as_i64() const noexcept { return static_cast<std::int64_t>(bits); }
  [[nodiscard]] double as_f64() const noexcept { return std::bit_cast<double>(bits); }
  // Any numeric type as a double, for display and arithmetic.
  [[nodiscard]] double as_number() const noexcept {
    switch (type) {
      case ValueType::I64:
        return static_cast<double>(as_i64());
      case ValueType::F64:
        return as_f64();
      default:
        return static_cast<double>(bits);
    }
  }
};

// A string value, copied whole and consistent (it may change: kern.hostname is writable).
struct Text {
  char bytes[layout::kMaxStringBytes] = {};
  std::uint32_t length = 0;
  std::uint64_t read_time_ns = 0;

  [[nodiscard]] std::string_view view() const noexcept { return {bytes, length}; }
};

// A performance counter as published (ValueType::Counter): the running total and, because the
// kernel may multiplex more events than the PMU has counters, how long the event was enabled and
// how long it actually counted. The three words come from one kernel read and one seqlock copy.
struct CounterTotals {
  std::uint64_t count = 0;
  std::uint64_t time_enabled_ns = 0;
  std::uint64_t time_running_ns = 0;
  std::uint64_t read_time_ns = 0;  // CLOCK_MONOTONIC when the broker read it

  // The estimate perf(1) reports: count * enabled / running (the raw count when never scaled).
  [[nodiscard]] double scaled() const noexcept {
    if (time_running_ns == 0 || time_running_ns >= time_enabled_ns) {
      return static_cast<double>(count);
    }
    return static_cast<double>(count) *
           (static_cast<double>(time_enabled_ns) / static_cast<double>(time_running_ns));
  }
};

}  // namespace sysring
