// The per-CPU lines of /proc/stat, parsed in place: bytes in, one record per CPU out.
//
//   "cpu  110609 0 12756 ..."          the aggregate line: skipped (a scalar source reads it)
//   "cpu3 54891 0 6441 75590 170 0 35 348 0 0"
//        -> {name "cpu3", number "3", cpu 3, fields {54891, 0, 6441, ...}, field_count 10}
//   "intr ...", "ctxt ...", ...        other lines: skipped
// Fields are in kernel order, in USER_HZ ticks: user nice system idle iowait irq softirq steal
// guest guest_nice. Kernels before 2.6.33 print fewer: field_count says how many the line has.
// A line named "cpu<N>" whose N is not a plain decimal number is malformed and skipped; a
// field that is not a number ends the line's fields there.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sysring::broker::linux_instances {

inline constexpr std::size_t kCpuTimeFields = 10;  // user .. guest_nice

struct CpuLine {
  std::string_view name;    // "cpu3"
  std::string_view number;  // "3": the `cpu` label and the sysfs directory suffix
  std::uint32_t cpu = 0;
  std::array<std::uint64_t, kCpuTimeFields> fields{};
  std::size_t field_count = 0;
};

// Iterates the per-CPU lines of one read of /proc/stat. Views point into `stat_text`.
class CpuLineReader {
 public:
  explicit CpuLineReader(std::string_view stat_text) : rest_(stat_text) {}
  bool next(CpuLine& out);

 private:
  std::string_view rest_;
};

}  // namespace sysring::broker::linux_instances
