// Metrics the broker derives from other readings each tick (registry category `computed`).
//
// Pure arithmetic over plain numbers, no I/O: the platform sources (linux_sources.cpp) read the
// inputs and call these. A formula that cannot give a meaningful value (a zero total, a counter
// that went backwards) says so with a reason instead of returning a made-up 0.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace sysring::broker::computed {

enum class Outcome : std::uint8_t {
  kOk,
  kNotYet,       // needs a second sample (rates): nothing to publish yet
  kUnavailable,  // no meaningful value for these inputs; `why` says which
};

struct Result {
  Outcome outcome = Outcome::kUnavailable;
  double value = 0;
  std::string_view why;  // static text, set unless kOk
};

// 100 * (total - left) / total: memory used (MemTotal, MemAvailable), swap used (SwapTotal,
// SwapFree). A zero total gives kUnavailable with `zero_total_why` ("no swap configured").
Result used_percent(std::uint64_t total, std::uint64_t left, std::string_view zero_total_why);

// 100 * part / total, e.g. page cache (Cached) as a share of MemTotal.
Result share_percent(std::uint64_t part, std::uint64_t total, std::string_view zero_total_why);

// numerator / denominator, e.g. the compressor's input bytes over its compressed bytes.
Result ratio(std::uint64_t numerator, std::uint64_t denominator, std::string_view zero_why);

// Memory in use from a page count: 100 * (total - free_pages * page_size) / total (Darwin:
// hw.memsize, free + speculative pages, vm.pagesize).
Result used_percent_from_pages(std::uint64_t total_bytes, std::uint64_t free_pages,
                               std::uint64_t page_size);

// Seconds from a timeval (kern.boottime) to `now_ns` on the same wall clock. A time before the
// timeval (clock set back) is kUnavailable, not a negative uptime.
Result seconds_since(std::int64_t sec, std::int64_t usec, std::int64_t now_ns);

// One /proc/stat cpu line reduced to what utilisation needs.
struct CpuSample {
  std::uint64_t total = 0;  // user + nice + system + idle + iowait + irq + softirq + steal
  std::uint64_t idle = 0;   // idle + iowait
};

// From the first eight fields of a cpu line, in kernel order (user nice system idle iowait irq
// softirq steal); guest time is already inside user and nice, so it is not added again.
CpuSample cpu_sample(std::span<const std::uint64_t, 8> fields);

// Busy percent between two consecutive samples: 100 * (1 - idle delta / total delta).
// Holds the previous sample; the first update is kNotYet. A decrease of either counter (wrap,
// per-CPU iowait going backwards, CPU hot-unplug) or no elapsed time is kUnavailable for that
// update; the new sample becomes the base either way.
class CpuBusy {
 public:
  Result update(CpuSample now);

 private:
  std::optional<CpuSample> previous_;
};

}  // namespace sysring::broker::computed
