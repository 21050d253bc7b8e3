// What the host says about its CPUs: how many slices KPC writes, and a name for the summary.
#pragma once

#include <cstdint>
#include <string>

namespace sysring::broker::counters::kpc {

// macOS: max(hw.logicalcpu_max, hw.ncpu), since the framework may size its read by either
// (darwin-facts §3.2 step 11, §8 item 3). Elsewhere (the test double): configured CPUs.
// 0 when unknown.
[[nodiscard]] std::uint32_t host_cpu_count();

// macOS: machdep.cpu.brand_string ("Apple M2"). Elsewhere: empty.
[[nodiscard]] std::string host_cpu_brand();

}  // namespace sysring::broker::counters::kpc
