// Reading a perf counter without a syscall (docs/PROCESS_COUNTERS.md, "Reading without a
// syscall"): the first page of the event's mmap (struct perf_event_mmap_page) and, where the
// kernel allows it, rdpmc. The arithmetic is a pure function over a copied page so that it can be
// tested on machines without a PMU, where the kernel never offers rdpmc.
#pragma once

#include <cstdint>
#include <optional>

namespace sysring::detail {

// The fields of struct perf_event_mmap_page the read needs, copied inside its seqlock.
struct PerfPageSnapshot {
  std::uint32_t index = 0;  // hardware counter + 1; 0: not on a counter this CPU can rdpmc
  std::int64_t offset = 0;  // add to the sign-extended counter
  std::uint64_t time_enabled = 0;
  std::uint64_t time_running = 0;
  bool cap_bit0_is_deprecated = false;  // the cap_user_* bits below mean what they say
  bool cap_user_rdpmc = false;
  bool cap_user_time = false;
  std::uint16_t pmc_width = 0;
  std::uint16_t time_shift = 0;
  std::uint32_t time_mult = 0;
  std::uint64_t time_offset = 0;
};

struct PerfUserReading {
  std::uint64_t value = 0;
  std::uint64_t time_enabled_ns = 0;
  std::uint64_t time_running_ns = 0;
};

// The header's formula: (pmc sign-extended to 64 bits from pmc_width) + offset, and the times
// extrapolated from the page's to `tsc` (time_offset + tsc * time_mult >> time_shift, added to
// enabled and, the counter being on the PMU, to running). nullopt: the page offers no rdpmc
// (software events, no PMU, the counter not scheduled on this CPU, no cap_user_time to bring
// the times up to date): read() instead.
[[nodiscard]] std::optional<PerfUserReading> perf_user_value(const PerfPageSnapshot& page,
                                                             std::uint64_t pmc, std::uint64_t tsc);

// The first page of a perf event's mmap, or nothing when the kernel will not map it (an
// inherited per-task counter, mlock limits, not Linux).
class PerfPage {
 public:
  PerfPage() = default;
  explicit PerfPage(int fd);  // maps one page, PROT_READ, MAP_SHARED; unmapped on failure
  PerfPage(PerfPage&& other) noexcept;
  PerfPage& operator=(PerfPage&& other) noexcept;
  PerfPage(const PerfPage&) = delete;
  PerfPage& operator=(const PerfPage&) = delete;
  ~PerfPage();

  // False in a child forked since the mapping (perf maps are VM_DONTCOPY: the child has no page).
  [[nodiscard]] bool mapped() const noexcept;
  // A consistent copy of the page (its seqlock); nullopt when not mapped.
  [[nodiscard]] std::optional<PerfPageSnapshot> snapshot() const;
  // The value and times read in user space (rdpmc, rdtsc inside the seqlock), or nullopt: not
  // mapped, not x86_64, or the page offers no rdpmc (see perf_user_value). Only meaningful for
  // a counter of the calling thread (the header's "self-monitoring").
  [[nodiscard]] std::optional<PerfUserReading> read() const;

 private:
  void* page_ = nullptr;
  unsigned generation_ = 0;  // forks seen by this process when it was mapped
};

}  // namespace sysring::detail
