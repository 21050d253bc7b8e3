// Parsing one read() of a perf_event group leader opened with
//   read_format = PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED |
//   PERF_FORMAT_TOTAL_TIME_RUNNING
// whose bytes are (host-endian u64s):
//   nr, time_enabled, time_running, value[nr]
//
// Without PERF_FORMAT_ID: the kernel writes the leader's value first and then the siblings' in
// the order they joined the group, which is the order the backend opened them, so ids would add
// 8 bytes an event and an ioctl(PERF_EVENT_IOC_ID) per fd and tell us nothing we do not know.
//
// Portable (no Linux headers, no system calls), so it is tested with hand-built buffers too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "counters/counter_backend.hpp"

namespace sysring::broker::counters::perf {

// Bytes one read() of a group of `nr` events returns.
[[nodiscard]] constexpr std::size_t group_read_size(std::size_t nr) {
  return (3 + nr) * sizeof(std::uint64_t);
}

enum class GroupReadStatus {
  kOk,
  kShortRead,       // fewer bytes than the header, or than nr values
  kCountMismatch,   // nr is not the number of events the group was opened with
  kTrailingBytes,   // more bytes than nr values
  kOutputTooSmall,  // the caller's span cannot hold the group's events
};

[[nodiscard]] std::string_view describe(GroupReadStatus status);

// Parses `bytes` (exactly what read() returned) of a group opened with `expected_nr` events into
// out[0..expected_nr): each event carries the group's enabled/running times. Reads nothing
// outside `bytes`; on any status other than kOk, `out` is left untouched.
[[nodiscard]] GroupReadStatus parse_group_read(std::span<const std::byte> bytes,
                                               std::size_t expected_nr,
                                               std::span<CounterValue> out);

}  // namespace sysring::broker::counters::perf
