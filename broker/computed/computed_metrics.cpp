#include "computed_metrics.hpp"

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
