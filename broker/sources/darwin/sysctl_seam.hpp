// The only place the darwin sources touch the kernel: three sysctl calls behind an interface,
// so the orchestration in darwin_sources.cpp runs on Linux against a fake (tests/darwin) and
// on macOS against sysctl_seam_apple.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace sysring::broker::darwin {

// CTL_MAXNAME is 12; {0,4,mib...} leaves room for 10 components, so longer MIBs are refused.
inline constexpr std::size_t kMaxMibLength = 10;

struct Mib {
  std::array<int, kMaxMibLength> ids{};
  std::size_t length = 0;
};

class SysctlSeam {
 public:
  virtual ~SysctlSeam() = default;

  // sysctlnametomib: 0, or an errno (ENOENT: no such name on this kernel).
  virtual int name_to_mib(std::string_view name, Mib& mib) = 0;

  // sysctl(mib, out, &length): on entry `length` is out.size(), on success the bytes the kernel
  // returned. 0 or an errno (ENOMEM: `out` too small, nothing copied).
  virtual int read_by_mib(const Mib& mib, std::span<std::uint8_t> out, std::size_t& length) = 0;

  // sysctl({0, 4, mib...}): the raw sysctl.oidfmt reply (kind word + format string), same
  // conventions as read_by_mib.
  virtual int query_format(const Mib& mib, std::span<std::uint8_t> out, std::size_t& length) = 0;

  // CLOCK_REALTIME in ns: uptime is wall clock minus kern.boottime. Virtual for fakes.
  [[nodiscard]] virtual std::int64_t realtime_ns();
};

// The real kernel; defined only in Apple builds (sysctl_seam_apple.cpp).
std::unique_ptr<SysctlSeam> make_system_sysctl_seam();

}  // namespace sysring::broker::darwin
