// InstanceSeam over the real kernel. The static_asserts tie the portable decoders' layouts to
// the SDK's own structs, so a layout change fails the build rather than the decoding.
#include "instance_seam.hpp"

#ifdef __APPLE__
#include <mach/mach.h>
#include <mach/mach_host.h>
#include <mach/processor_info.h>
#include <net/if.h>
#include <net/if_dl.h>
#include <net/if_var.h>
#include <net/route.h>
#include <sys/mount.h>
#include <sys/param.h>
#include <sys/socket.h>
#include <sys/sysctl.h>
#include <sys/types.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>

#include "host_cpu_decode.hpp"
#include "iflist_decode.hpp"
#include "statfs_decode.hpp"

namespace sysring::broker::darwin {
namespace {

static_assert(sizeof(processor_cpu_load_info) == kCpuLoadInfoBytes);
static_assert(CPU_STATE_MAX == kCpuStateCount);
static_assert(CPU_STATE_USER == static_cast<int>(CpuState::kUser) &&
              CPU_STATE_SYSTEM == static_cast<int>(CpuState::kSystem) &&
              CPU_STATE_IDLE == static_cast<int>(CpuState::kIdle) &&
              CPU_STATE_NICE == static_cast<int>(CpuState::kNice));

static_assert(sizeof(struct if_msghdr2) == kIfMsghdr2Bytes);
static_assert(offsetof(struct if_msghdr2, ifm_data) == kIfDataOffset);
static_assert(offsetof(struct if_msghdr2, ifm_addrs) == offsetof(IfMsghdr2Layout, ifm_addrs));
static_assert(offsetof(struct if_msghdr2, ifm_flags) == offsetof(IfMsghdr2Layout, ifm_flags));
static_assert(sizeof(struct if_data64) == sizeof(IfData64Layout));
static_assert(offsetof(struct if_data64, ifi_mtu) == offsetof(IfData64Layout, ifi_mtu));
static_assert(offsetof(struct if_data64, ifi_baudrate) == offsetof(IfData64Layout, ifi_baudrate));
static_assert(offsetof(struct if_data64, ifi_ibytes) == offsetof(IfData64Layout, ifi_ibytes));
static_assert(offsetof(struct if_data64, ifi_obytes) == offsetof(IfData64Layout, ifi_obytes));
static_assert(offsetof(struct if_data64, ifi_noproto) == offsetof(IfData64Layout, ifi_noproto));
static_assert(offsetof(struct sockaddr_dl, sdl_nlen) == offsetof(SockaddrDlLayout, sdl_nlen));
static_assert(offsetof(struct sockaddr_dl, sdl_data) == offsetof(SockaddrDlLayout, sdl_data));
static_assert(RTM_VERSION == kRtmVersion && RTM_IFINFO == kRtmIfinfo && RTM_IFINFO2 == kRtmIfinfo2);
static_assert(RTA_IFP == kRtaIfp && RTAX_IFP == kRtaxIfp && AF_LINK == kAfLink);
static_assert(IFF_UP == kIffUp && IFF_RUNNING == kIffRunning);

static_assert(sizeof(struct statfs) == kStatfsBytes);
static_assert(offsetof(struct statfs, f_bavail) == offsetof(StatfsLayout, f_bavail));
static_assert(offsetof(struct statfs, f_flags) == offsetof(StatfsLayout, f_flags));
static_assert(offsetof(struct statfs, f_fstypename) == offsetof(StatfsLayout, f_fstypename));
static_assert(offsetof(struct statfs, f_mntonname) == offsetof(StatfsLayout, f_mntonname));
static_assert(offsetof(struct statfs, f_mntfromname) == offsetof(StatfsLayout, f_mntfromname));
static_assert(MFSTYPENAMELEN == kFsTypeNameBytes && MAXPATHLEN == kMountNameBytes);
static_assert(MNT_RDONLY == kMntRdonly);

// First buffers: room for a few dozen interfaces and mounts; they grow when a reply does not fit.
constexpr std::size_t kInitialInterfaceListBytes = std::size_t{64} << 10;
constexpr std::size_t kInitialMounts = 32;
constexpr int kAttempts = 4;  // the lists can grow between sizing and reading

// A failed call leaves `out` empty and returns its errno.
int failed(std::vector<std::uint8_t>& out) {
  const int err = errno;
  out.clear();
  return err;
}

class AppleInstanceSeam final : public InstanceSeam {
 public:
  // One send right to the host port for the broker's life (each mach_host_self() adds a reference).
  AppleInstanceSeam() : host_(mach_host_self()) {}
  ~AppleInstanceSeam() override { mach_port_deallocate(mach_task_self(), host_); }
  AppleInstanceSeam(const AppleInstanceSeam&) = delete;
  AppleInstanceSeam& operator=(const AppleInstanceSeam&) = delete;

  // The kernel returns the array in fresh out-of-line memory on every call; it is copied into
  // `out` and handed back at once.
  int read_cpu_load(std::vector<std::uint8_t>& out) override {
    out.clear();
    natural_t cpus = 0;
    processor_info_array_t info = nullptr;
    mach_msg_type_number_t ints = 0;
    if (host_processor_info(host_, PROCESSOR_CPU_LOAD_INFO, &cpus, &info, &ints) != KERN_SUCCESS) {
      return EIO;
    }
    const std::size_t bytes = std::size_t{ints} * sizeof(integer_t);
    out.resize(bytes);
    if (bytes != 0) std::memcpy(out.data(), info, bytes);
    vm_deallocate(mach_task_self(), reinterpret_cast<vm_address_t>(info), bytes);
    return 0;
  }

  // Tries the buffer it has first; only when the kernel says ENOMEM does it ask for the size
  // (a walk of every interface under the kernel's lock) and grow.
  int read_interface_list(std::vector<std::uint8_t>& out) override {
    int mib[6] = {CTL_NET, PF_ROUTE, 0, 0, NET_RT_IFLIST2, 0};
    if (out.capacity() < kInitialInterfaceListBytes) out.reserve(kInitialInterfaceListBytes);
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      out.resize(out.capacity());
      size_t length = out.size();
      if (::sysctl(mib, 6, out.data(), &length, nullptr, 0) == 0) {
        out.resize(length);
        return 0;
      }
      if (errno != ENOMEM) return failed(out);
      size_t needed = 0;
      if (::sysctl(mib, 6, nullptr, &needed, nullptr, 0) != 0) return failed(out);
      out.reserve(needed + needed / 4);
    }
    out.clear();
    return ENOMEM;
  }

  // MNT_NOWAIT: the kernel copies each mount's cached statistics and never calls into the
  // filesystem, so a hung network mount cannot stall the tick (MNT_WAIT would refresh each
  // mount first and wait on it). The cost: values are as fresh as the kernel's cache, which
  // any statfs(2) of the mount refreshes. A full buffer may mean more mounts: grow and retry.
  int read_mount_list(std::vector<std::uint8_t>& out) override {
    if (out.capacity() < kInitialMounts * sizeof(struct statfs)) {
      out.reserve(kInitialMounts * sizeof(struct statfs));
    }
    int count = 0;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
      // operator new aligns the buffer for struct statfs (8 bytes).
      const std::size_t room =
          std::min<std::size_t>(out.capacity(), INT_MAX) / sizeof(struct statfs);
      out.resize(room * sizeof(struct statfs));
      count = ::getfsstat(reinterpret_cast<struct statfs*>(out.data()),
                          static_cast<int>(out.size()), MNT_NOWAIT);
      if (count < 0) return failed(out);
      if (static_cast<std::size_t>(count) < room) break;
      out.reserve(out.capacity() * 2);
    }
    out.resize(static_cast<std::size_t>(count) * sizeof(struct statfs));
    return 0;
  }

 private:
  mach_port_t host_;
};

}  // namespace

std::unique_ptr<InstanceSeam> make_system_instance_seam() {
  return std::make_unique<AppleInstanceSeam>();
}

}  // namespace sysring::broker::darwin
#endif  // __APPLE__
