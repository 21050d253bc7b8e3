// The lines of /proc/net/softnet_stat, parsed in place: one line per online CPU of 8-digit hex
// fields (u32 counters that wrap), bytes in, records out.
//
//   "0000a3f1 00000000 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000000
//    00000000 00000000 00000001"
//        -> {cpu 1, fields {0xa3f1, 0, 2}}
// Fields: 0 processed, 1 dropped, 2 time_squeeze, ... Since 5.14 the 13th field is the CPU's
// number; an older kernel prints no number, and line k is the k-th online CPU (the kernel skips
// offline CPUs). A line with fewer than three fields, or one that is not hex, is skipped.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sysring::broker::linux_instances {

inline constexpr std::size_t kSoftnetFields = 3;  // processed, dropped, time_squeeze
inline constexpr std::size_t kSoftnetCpuField = 12;

struct SoftnetLine {
  std::uint64_t cpu = 0;
  std::array<std::uint64_t, kSoftnetFields> fields{};
  bool numbered = false;  // the line carried its CPU number
};

class SoftnetLineReader {
 public:
  // `online`: the online CPUs in order, for lines without a CPU number; empty when unknown (line
  // k is then CPU k).
  SoftnetLineReader(std::string_view text, std::span<const std::uint32_t> online)
      : rest_(text), online_(online) {}
  bool next(SoftnetLine& out);

 private:
  std::string_view rest_;
  std::span<const std::uint32_t> online_;
  std::size_t position_ = 0;
};

// The members of a kernel CPU list ("0-3,8" -> 0 1 2 3 8) into `out` (cleared first); false,
// with `out` empty, when the list is malformed.
bool cpu_list_members(std::string_view text, std::vector<std::uint32_t>& out);

}  // namespace sysring::broker::linux_instances
