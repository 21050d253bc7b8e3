#include "computed_metrics.hpp"

#include <cstdint>

namespace sysring::broker::computed {

Result used_percent(std::uint64_t total, std::uint64_t left, std::string_view zero_total_why) {
  if (total == 0) return {Outcome::kUnavailable, 0, zero_total_why};
  // The kernel reads these fields at slightly different moments; a "left" above the total is an
  // inconsistent sample, not negative usage.
  if (left > total) return {Outcome::kUnavailable, 0, "free exceeds total"};
  return {Outcome::kOk, 100.0 * static_cast<double>(total - left) / static_cast<double>(total), {}};
}

Result share_percent(std::uint64_t part, std::uint64_t total, std::string_view zero_total_why) {
  if (total == 0) return {Outcome::kUnavailable, 0, zero_total_why};
  if (part > total) return {Outcome::kUnavailable, 0, "part exceeds total"};
  return {Outcome::kOk, 100.0 * static_cast<double>(part) / static_cast<double>(total), {}};
}

Result ratio(std::uint64_t numerator, std::uint64_t denominator, std::string_view zero_why) {
  if (denominator == 0) return {Outcome::kUnavailable, 0, zero_why};
  return {Outcome::kOk, static_cast<double>(numerator) / static_cast<double>(denominator), {}};
}

Result used_percent_from_pages(std::uint64_t total_bytes, std::uint64_t free_pages,
                               std::uint64_t page_size) {
  if (page_size == 0) return {Outcome::kUnavailable, 0, "page size is 0"};
  // More free pages than bytes can hold is an inconsistent sample; also guards the product.
  if (free_pages > total_bytes / page_size) {
    return {Outcome::kUnavailable, 0, "free pages exceed memory size"};
  }
  return used_percent(total_bytes, free_pages * page_size, "memory size is 0");
}

Result seconds_since(std::int64_t sec, std::int64_t usec, std::int64_t now_ns) {
  constexpr std::int64_t kMaxSec = INT64_MAX / 1'000'000'000 - 1;
  if (sec < 0 || sec > kMaxSec || usec < 0 || usec >= 1'000'000) {
    return {Outcome::kUnavailable, 0, "not a valid timeval"};
  }
  // In integer nanoseconds: epoch seconds as doubles would lose the microseconds.
  const std::int64_t then_ns = sec * 1'000'000'000 + usec * 1'000;
  if (now_ns < then_ns) return {Outcome::kUnavailable, 0, "clock is before the reference time"};
  return {Outcome::kOk, static_cast<double>(now_ns - then_ns) / 1e9, {}};
}

CpuSample cpu_sample(std::span<const std::uint64_t, 8> fields) {
  CpuSample s;
  for (const std::uint64_t f : fields) s.total += f;
  s.idle = fields[3] + fields[4];
  return s;
}

Result CpuBusy::update(CpuSample now) {
  const std::optional<CpuSample> before = previous_;
  previous_ = now;
  if (!before) return {Outcome::kNotYet, 0, "no previous sample"};
  if (now.total < before->total || now.idle < before->idle) {
    return {Outcome::kUnavailable, 0, "CPU time counters went backwards"};
  }
  const std::uint64_t total = now.total - before->total;
  const std::uint64_t idle = now.idle - before->idle;
  if (total == 0) return {Outcome::kUnavailable, 0, "no CPU time elapsed"};
  if (idle > total) return {Outcome::kUnavailable, 0, "idle time exceeds elapsed time"};
  return {Outcome::kOk, 100.0 * static_cast<double>(total - idle) / static_cast<double>(total), {}};
}

}  // namespace sysring::broker::computed
