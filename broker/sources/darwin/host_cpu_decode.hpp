// host_processor_info(PROCESSOR_CPU_LOAD_INFO) replies as bytes -> per-CPU tick counts.
// Portable (no Apple headers) and tested on Linux with byte fixtures.
//
// The reply is an array with one `struct processor_cpu_load_info` per CPU, CPU 0 first
// (XNU osfmk/mach/processor_info.h): `unsigned int cpu_ticks[CPU_STATE_MAX]`, indexed by
// CPU_STATE_USER 0, CPU_STATE_SYSTEM 1, CPU_STATE_IDLE 2, CPU_STATE_NICE 3 (osfmk/mach/machine.h;
// CPU_STATE_MAX is 4). So 16 bytes per CPU, each tick count a 32-bit counter that wraps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "little_endian.hpp"
#include "sysctl_decode.hpp"

namespace sysring::broker::darwin {

inline constexpr std::size_t kCpuStateCount = 4;  // CPU_STATE_MAX
inline constexpr std::size_t kCpuLoadInfoBytes = kCpuStateCount * sizeof(std::uint32_t);

struct CpuLoadInfoLayout {  // processor_cpu_load_info on arm64
  std::uint32_t cpu_ticks[kCpuStateCount];
};
static_assert(sizeof(CpuLoadInfoLayout) == kCpuLoadInfoBytes);

// CPU_STATE_* values: the index of the state in cpu_ticks.
enum class CpuState : std::uint8_t { kUser = 0, kSystem = 1, kIdle = 2, kNice = 3 };

// The state a registry source names ("user", "system", "idle", "nice"); nullopt otherwise.
[[nodiscard]] std::optional<CpuState> cpu_state_by_name(std::string_view name);

// How many CPUs the reply describes. kTruncated for an empty reply (the kernel always has a
// CPU), kBadLength when it is not a whole number of records.
[[nodiscard]] DecodeStatus count_cpus(Bytes reply, std::size_t& count);

// The ticks of `cpu` in `state`, zero-extended to u64. kTruncated when that CPU's record is not
// wholly inside the reply.
[[nodiscard]] Decoded decode_cpu_ticks(Bytes reply, std::size_t cpu, CpuState state);

}  // namespace sysring::broker::darwin
