#include "counters/perf/perf_group_read.hpp"

#include <cstring>

namespace sysring::broker::counters::perf {
namespace {

// The buffer is a byte array with no alignment promise: memcpy, never a cast.
std::uint64_t load_u64(std::span<const std::byte> bytes, std::size_t index) {
  std::uint64_t v;
  std::memcpy(&v, bytes.data() + index * sizeof(v), sizeof(v));
  return v;
}

}  // namespace

std::string_view describe(GroupReadStatus status) {
  switch (status) {
    case GroupReadStatus::kOk:
      return "ok";
    case GroupReadStatus::kShortRead:
      return "short read of a perf_event group";
    case GroupReadStatus::kCountMismatch:
      return "perf_event group read reports a different number of events than were opened";
    case GroupReadStatus::kTrailingBytes:
      return "perf_event group read is longer than its event count";
    case GroupReadStatus::kOutputTooSmall:
      return "perf_event group has more events than the output holds";
  }
  return "unknown perf_event group read status";
}

GroupReadStatus parse_group_read(std::span<const std::byte> bytes, std::size_t expected_nr,
                                 std::span<CounterValue> out) {
  if (out.size() < expected_nr) return GroupReadStatus::kOutputTooSmall;
  if (bytes.size() < group_read_size(0)) return GroupReadStatus::kShortRead;
  // Compare nr before using it in any size computation: it comes from outside.
  if (load_u64(bytes, 0) != expected_nr) return GroupReadStatus::kCountMismatch;
  if (bytes.size() < group_read_size(expected_nr)) return GroupReadStatus::kShortRead;
  if (bytes.size() > group_read_size(expected_nr)) return GroupReadStatus::kTrailingBytes;

  const std::uint64_t enabled = load_u64(bytes, 1);
  const std::uint64_t running = load_u64(bytes, 2);
  for (std::size_t i = 0; i < expected_nr; ++i) {
    out[i] = CounterValue{load_u64(bytes, 3 + i), enabled, running};
  }
  return GroupReadStatus::kOk;
}

}  // namespace sysring::broker::counters::perf
