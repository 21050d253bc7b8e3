// A host_processor_info(PROCESSOR_CPU_LOAD_INFO) reply (broker/sources/darwin/host_cpu_decode.cpp):
// the CPU count and every CPU's ticks in every state, one past the last CPU included.
#include <cstddef>
#include <cstdint>

#include "sources/darwin/host_cpu_decode.hpp"

namespace darwin = sysring::broker::darwin;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const darwin::Bytes reply(data, size);
  std::size_t count = 0;
  if (darwin::count_cpus(reply, count) != darwin::DecodeStatus::kOk) return 0;
  for (std::size_t cpu = 0; cpu <= count; ++cpu) {
    for (const auto state : {darwin::CpuState::kUser, darwin::CpuState::kSystem,
                             darwin::CpuState::kIdle, darwin::CpuState::kNice}) {
      const darwin::Decoded ticks = darwin::decode_cpu_ticks(reply, cpu, state);
      if (cpu == count && ticks.status == darwin::DecodeStatus::kOk) __builtin_trap();
    }
  }
  return 0;
}
