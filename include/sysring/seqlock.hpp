// Seqlock over std::atomic<uint64_t> words, for one writer and any number of readers in other
// processes. The pattern is the well-defined one from Abseil's sequence_lock.h:
//
//   writer: seq.store(s+1, relaxed); fence(release); relaxed word stores; seq.store(s+2, release)
//   reader: s0 = seq.load(acquire); odd -> retry; relaxed word loads; fence(acquire);
//           s1 = seq.load(relaxed); s0 == s1 -> the copy is consistent
//
// Payload words are atomics, never memcpy/volatile: a racy plain copy is undefined behaviour and
// compilers may hoist it out of the critical section. The reader's fence(acquire) pairs with the
// writer's fence(release): if any relaxed load saw a store from a write that began after s0, the
// second sequence load sees at least s0+1. Without it ARM may reorder the loads (x86 would not).
#pragma once

#include <atomic>
#include <cstdint>

#include "sysring/layout.hpp"

namespace sysring::seqlock {

// Readers give up after this many attempts and report "busy" rather than spin on a broker that
// was preempted mid-write. A write is a handful of stores, so a reader that hits an odd sequence
// normally succeeds on its next attempt.
inline constexpr int kMaxReadAttempts = 4096;

inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

// ---- Writer side (the broker only; callers serialise writes to one sequence word) ----

[[nodiscard]] inline std::uint64_t write_begin(layout::Word& seq) noexcept {
  const std::uint64_t s = seq.load(std::memory_order_relaxed);
  seq.store(s + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);  // orders seq odd before the word stores
  return s;
}

inline void write_end(layout::Word& seq, std::uint64_t begun_at) noexcept {
  seq.store(begun_at + 2, std::memory_order_release);  // publishes the word stores
}

inline void store(layout::Word& word, std::uint64_t value) noexcept {
  word.store(value, std::memory_order_relaxed);
}

// ---- Reader side (works on read-only mappings: only loads) ----

inline std::uint64_t load(const layout::Word& word) noexcept {
  return word.load(std::memory_order_relaxed);
}

// Runs `copy` (which must only use seqlock::load and must bound any length it reads, since the
// words may be torn until validated) until it observed a consistent snapshot. Returns false if
// the writer kept the sequence busy for kMaxReadAttempts attempts.
template <class CopyFn>
[[nodiscard]] inline bool read(const layout::Word& seq, CopyFn&& copy,
                               int max_attempts = kMaxReadAttempts) noexcept {
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    const std::uint64_t s0 = seq.load(std::memory_order_acquire);
    if ((s0 & 1) == 0) {
      copy();
      std::atomic_thread_fence(std::memory_order_acquire);  // pairs with write_begin's fence
      if (seq.load(std::memory_order_relaxed) == s0) return true;
    }
    cpu_relax();
  }
  return false;
}

}  // namespace sysring::seqlock
