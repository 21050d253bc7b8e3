// SysctlSeam over the real kernel: sysctlnametomib once per name, sysctl by MIB afterwards.
#include "sysctl_seam.hpp"

#ifdef __APPLE__
#include <sys/sysctl.h>
#include <sys/types.h>

#include <cerrno>
#include <string>

namespace sysring::broker::darwin {
namespace {

class AppleSysctlSeam final : public SysctlSeam {
 public:
  int name_to_mib(std::string_view name, Mib& mib) override {
    const std::string z(name);  // sysctlnametomib wants a C string
    // {0,3} cannot report a size: always offer CTL_MAXNAME ints, then check ours fit.
    int ids[CTL_MAXNAME] = {};
    size_t n = CTL_MAXNAME;
    if (::sysctlnametomib(z.c_str(), ids, &n) != 0) return errno;
    if (n == 0 || n > kMaxMibLength) return ENAMETOOLONG;
    for (size_t i = 0; i < n; ++i) mib.ids[i] = ids[i];
    mib.length = n;
    return 0;
  }

  int read_by_mib(const Mib& mib, std::span<std::uint8_t> out, std::size_t& length) override {
    int ids[kMaxMibLength] = {};
    for (std::size_t i = 0; i < mib.length; ++i) ids[i] = mib.ids[i];
    size_t len = out.size();
    if (::sysctl(ids, static_cast<u_int>(mib.length), out.data(), &len, nullptr, 0) != 0) {
      return errno;
    }
    length = len;
    return 0;
  }

  int query_format(const Mib& mib, std::span<std::uint8_t> out, std::size_t& length) override {
    int ids[kMaxMibLength + 2] = {0, 4};
    for (std::size_t i = 0; i < mib.length; ++i) ids[i + 2] = mib.ids[i];
    size_t len = out.size();
    if (::sysctl(ids, static_cast<u_int>(mib.length + 2), out.data(), &len, nullptr, 0) != 0) {
      return errno;
    }
    length = len;
    return 0;
  }
};

}  // namespace

std::unique_ptr<SysctlSeam> make_system_sysctl_seam() {
  return std::make_unique<AppleSysctlSeam>();
}

}  // namespace sysring::broker::darwin
#endif  // __APPLE__
