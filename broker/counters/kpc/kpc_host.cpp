// sysctlbyname on macOS; sysconf elsewhere, so the library also builds where tests run.
#include "counters/kpc/kpc_host.hpp"

#include <algorithm>

#if defined(__APPLE__)
#include <sys/sysctl.h>
#include <sys/types.h>
#else
#include <unistd.h>
#endif

namespace sysring::broker::counters::kpc {

#if defined(__APPLE__)
namespace {

// hw.ncpu and hw.logicalcpu_max are 32-bit ints (darwin-facts §5.2).
std::uint32_t sysctl_u32(const char* name) {
  std::int32_t value = 0;
  std::size_t size = sizeof value;
  if (sysctlbyname(name, &value, &size, nullptr, 0) != 0 || size != sizeof value || value < 0) {
    return 0;
  }
  return static_cast<std::uint32_t>(value);
}

}  // namespace

std::uint32_t host_cpu_count() {
  return std::max(sysctl_u32("hw.logicalcpu_max"), sysctl_u32("hw.ncpu"));
}

std::string host_cpu_brand() {
  char brand[128] = {};
  std::size_t size = sizeof brand - 1;
  if (sysctlbyname("machdep.cpu.brand_string", brand, &size, nullptr, 0) != 0) return {};
  return std::string(brand);
}

#else

std::uint32_t host_cpu_count() {
  const long n = sysconf(_SC_NPROCESSORS_CONF);
  return n > 0 ? static_cast<std::uint32_t>(n) : 0;
}

std::string host_cpu_brand() {
  return {};
}

#endif

}  // namespace sysring::broker::counters::kpc
