// Apple KPC counters for the broker: loads kperf/kperfdata, counts system-wide per CPU, and
// hands back a CounterBackend or the one-line reason there is none.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "counters/counter_backend.hpp"
#include "counters/kpc/kpc_loader.hpp"

namespace sysring::broker::counters::kpc {

struct KpcOptions {
  std::string kperf_path = kDefaultKperfPath;
  std::string kperfdata_path = kDefaultKperfdataPath;
  // sysring names ("cycles", "branch-misses") or kpep event names; empty: the default set,
  // where events this chip lacks are skipped instead of failing.
  std::vector<std::string> events;
  // CPU slices to read; 0: the host's (hw.logicalcpu_max). Tests set the double's count.
  std::uint32_t cpu_count = 0;
};

// Never throws for a KPC problem: not root, counters held by another tool, a missing symbol or
// event all come back as CounterSetup::unavailable_reason.
[[nodiscard]] CounterSetup make_kpc_counters(const KpcOptions& options);

}  // namespace sysring::broker::counters::kpc
