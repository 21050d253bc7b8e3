#include "perf_mmap_read.hpp"

#include <atomic>
#include <utility>

#ifdef __linux__
#include <linux/perf_event.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace sysring::detail {

std::optional<PerfUserReading> perf_user_value(const PerfPageSnapshot& page, std::uint64_t pmc,
                                               std::uint64_t tsc) {
  if (!page.cap_bit0_is_deprecated || !page.cap_user_rdpmc || page.index == 0) return std::nullopt;
  if (!page.cap_user_time || page.pmc_width == 0 || page.pmc_width > 64 || page.time_shift > 63) {
    return std::nullopt;
  }
  // pmc <<= 64 - width; pmc >>= 64 - width (arithmetic); count = offset + pmc.
  const unsigned shift = 64U - page.pmc_width;
  const auto extended = static_cast<std::int64_t>(pmc << shift) >> shift;
  PerfUserReading r;
  r.value = static_cast<std::uint64_t>(page.offset) + static_cast<std::uint64_t>(extended);
  // quot = cyc >> shift; rem = cyc & ((1 << shift) - 1);
  // delta = time_offset + quot * time_mult + ((rem * time_mult) >> shift)  (all mod 2^64).
  const std::uint64_t quot = tsc >> page.time_shift;
  const std::uint64_t rem = tsc & ((std::uint64_t{1} << page.time_shift) - 1);
  const std::uint64_t delta =
      page.time_offset + quot * page.time_mult + ((rem * page.time_mult) >> page.time_shift);
  r.time_enabled_ns = page.time_enabled + delta;
  r.time_running_ns = page.time_running + delta;  // index != 0: it is running
  return r;
}

#ifdef __linux__
namespace {

constexpr std::size_t kPageBytes = 4096;  // when sysconf cannot say

std::size_t page_bytes() {
  const long n = ::sysconf(_SC_PAGESIZE);
  return n > 0 ? static_cast<std::size_t>(n) : kPageBytes;
}

template <typename T>
T load(const T& field) {
  return *static_cast<const volatile T*>(&field);
}

void barrier() {
  std::atomic_signal_fence(std::memory_order_seq_cst);
}

// Copies the page's fields; `pmc` and `tsc` are read inside the same seqlock pass when asked.
PerfPageSnapshot copy(const perf_event_mmap_page* pc, bool counters, std::uint64_t& pmc,
                      std::uint64_t& tsc) {
  PerfPageSnapshot s;
  std::uint32_t seq = 0;
  do {
    seq = load(pc->lock);
    barrier();
    s.index = load(pc->index);
    s.offset = load(pc->offset);
    s.time_enabled = load(pc->time_enabled);
    s.time_running = load(pc->time_running);
    const std::uint64_t caps = load(pc->capabilities);
    s.cap_bit0_is_deprecated = ((caps >> 1) & 1U) != 0;
    s.cap_user_rdpmc = ((caps >> 2) & 1U) != 0;
    s.cap_user_time = ((caps >> 3) & 1U) != 0;
    s.pmc_width = load(pc->pmc_width);
    s.time_shift = load(pc->time_shift);
    s.time_mult = load(pc->time_mult);
    s.time_offset = load(pc->time_offset);
    pmc = 0;
    tsc = 0;
#if defined(__x86_64__)
    if (counters && s.cap_bit0_is_deprecated && s.cap_user_rdpmc && s.index != 0) {
      if (s.cap_user_time) tsc = __builtin_ia32_rdtsc();
      pmc = static_cast<std::uint64_t>(__builtin_ia32_rdpmc(static_cast<int>(s.index - 1)));
    }
#else
    (void)counters;
#endif
    barrier();
  } while (load(pc->lock) != seq);
  return s;
}

// Bumped in every child fork() makes: the kernel does not copy perf mappings into the child, so
// a page mapped before a fork is gone (or the address reused) after it.
std::atomic<unsigned> g_forks{0};

unsigned fork_generation() {
  static const bool registered = [] {
    return ::pthread_atfork(nullptr, nullptr,
                            [] { g_forks.fetch_add(1, std::memory_order_relaxed); }) == 0;
  }();
  return registered ? g_forks.load(std::memory_order_relaxed) : ~0U;
}

}  // namespace

PerfPage::PerfPage(int fd) {
  generation_ = fork_generation();
  if (generation_ == ~0U) return;  // no fork handler: a child could not tell
  void* p = ::mmap(nullptr, page_bytes(), PROT_READ, MAP_SHARED, fd, 0);
  if (p != MAP_FAILED) page_ = p;
}

PerfPage::~PerfPage() {
  if (mapped()) ::munmap(page_, page_bytes());
}

bool PerfPage::mapped() const noexcept {
  return page_ != nullptr && generation_ == g_forks.load(std::memory_order_relaxed);
}

std::optional<PerfPageSnapshot> PerfPage::snapshot() const {
  if (!mapped()) return std::nullopt;
  std::uint64_t pmc = 0;
  std::uint64_t tsc = 0;
  return copy(static_cast<const perf_event_mmap_page*>(page_), false, pmc, tsc);
}

std::optional<PerfUserReading> PerfPage::read() const {
#if defined(__x86_64__)
  if (!mapped()) return std::nullopt;
  std::uint64_t pmc = 0;
  std::uint64_t tsc = 0;
  const PerfPageSnapshot s = copy(static_cast<const perf_event_mmap_page*>(page_), true, pmc, tsc);
  return perf_user_value(s, pmc, tsc);
#else
  return std::nullopt;
#endif
}
#else
PerfPage::PerfPage(int /*fd*/) {}
PerfPage::~PerfPage() = default;
bool PerfPage::mapped() const noexcept {
  return false;
}
std::optional<PerfPageSnapshot> PerfPage::snapshot() const {
  return std::nullopt;
}
std::optional<PerfUserReading> PerfPage::read() const {
  return std::nullopt;
}
#endif

PerfPage::PerfPage(PerfPage&& other) noexcept
    : page_(std::exchange(other.page_, nullptr)), generation_(other.generation_) {}

PerfPage& PerfPage::operator=(PerfPage&& other) noexcept {
  if (this != &other) {
    PerfPage gone(std::move(*this));
    page_ = std::exchange(other.page_, nullptr);
    generation_ = other.generation_;
  }
  return *this;
}

}  // namespace sysring::detail
