// The only place the darwin instance sources touch the kernel: three calls that each return a
// table as raw bytes, behind an interface, so darwin_instances.cpp runs on Linux against a fake
// (tests/darwin) and on macOS against instance_seam_apple.cpp. The bytes are decoded by
// host_cpu_decode, iflist_decode and statfs_decode.
//
// Each call fills `out` with the reply and nothing else (its size is the reply's length). `out`
// keeps its capacity between calls, so a steady state allocates nothing. Returns 0 or an errno
// (a Mach error from host_processor_info is reported as EIO).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace sysring::broker::darwin {

class InstanceSeam {
 public:
  virtual ~InstanceSeam() = default;

  // host_processor_info(PROCESSOR_CPU_LOAD_INFO): one processor_cpu_load_info per CPU.
  virtual int read_cpu_load(std::vector<std::uint8_t>& out) = 0;

  // sysctl {CTL_NET, PF_ROUTE, 0, 0, NET_RT_IFLIST2, 0}: the interface list with if_data64.
  virtual int read_interface_list(std::vector<std::uint8_t>& out) = 0;

  // getfsstat(MNT_NOWAIT): one struct statfs per mount, from the kernel's cached statistics.
  virtual int read_mount_list(std::vector<std::uint8_t>& out) = 0;
};

// The real kernel; defined only in Apple builds (instance_seam_apple.cpp).
std::unique_ptr<InstanceSeam> make_system_instance_seam();

}  // namespace sysring::broker::darwin
