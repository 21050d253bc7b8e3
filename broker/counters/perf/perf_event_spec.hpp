// Event names → perf_event_attr encodings, and the slot each event is published under.
//
// Generic perf(1) names (cycles, context-switches, ref-cycles, ...) come from a table here;
// any other name is asked of libpfm4, which knows the CPU's own events (INST_RETIRED.ANY,
// skx::UOPS_ISSUED:ANY) and perf's ("perf::PERF_COUNT_HW_CACHE_L1D:READ:MISS").
#pragma once

#include <linux/perf_event.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sysring::broker::counters::perf {

// One read() per group returns all its counts with the group's enabled/running times; see
// perf_group_read.hpp for the layout and why there is no PERF_FORMAT_ID.
inline constexpr std::uint64_t kGroupReadFormat =
    PERF_FORMAT_GROUP | PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;

struct PerfEventSpec {
  std::string name;      // as the user wrote it
  std::string slot;      // registry row suffix: a named slot ("cycles") or "custom0".."custom3"
  std::string pfm_name;  // libpfm4's full name when it resolved the event, else empty
  std::uint32_t type = 0;
  std::uint64_t config = 0;
  std::uint64_t config1 = 0;
  std::uint64_t config2 = 0;
  bool exclude_user = false;
  bool exclude_kernel = false;
  bool exclude_hv = false;
  bool exclude_guest = false;
  bool exclude_host = false;
  // Needs a PMU: anything but the kernel's software and tracepoint events.
  [[nodiscard]] bool hardware() const {
    return type != PERF_TYPE_SOFTWARE && type != PERF_TYPE_TRACEPOINT;
  }
  // The same counter under two names ("cs" and "context-switches").
  [[nodiscard]] bool same_event(const PerfEventSpec& other) const;
};

struct ResolvedEvents {
  std::vector<PerfEventSpec> events;
  std::string error;  // one line; events is empty when set
};

// Resolves one name: the generic table first, then libpfm4. On failure returns false and sets
// `error` (`unknown counter event "foo": ...`). The slot is left empty.
[[nodiscard]] bool resolve_perf_event(std::string_view name, PerfEventSpec& out,
                                      std::string& error);

// Resolves a whole selection and assigns slots: named events to their own slot, the others to
// custom0..custom3 in the order given. Refuses duplicates, more than kCustomSlots custom events
// and more than kMaxEventsPerCpu events.
[[nodiscard]] ResolvedEvents resolve_perf_events(std::span<const std::string> names);
[[nodiscard]] ResolvedEvents resolve_perf_events(std::span<const std::string_view> names);

// The attr to open `spec` with: counting (no sampling), the group read format, and disabled
// only for a group leader so that one PERF_EVENT_IOC_ENABLE starts the whole group at once.
[[nodiscard]] perf_event_attr make_perf_attr(const PerfEventSpec& spec, bool leader);

// "perf hardware config 0x0", "perf raw config 0x1c0 config1 0x3 (libpfm4 skx::...)".
[[nodiscard]] std::string describe_encoding(const PerfEventSpec& spec);

}  // namespace sysring::broker::counters::perf
