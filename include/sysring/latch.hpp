// A seqcount latch over two copies of a table, for one writer and any number of readers in other
// processes that must never wait for the writer (the value table; Linux's seqcount_latch).
//
//   writer, per update:  seq = s+1 (release); fence(release); write copy 0
//                        seq = s+2 (release); fence(release); write copy 1
//   reader:              s0 = seq (acquire); relaxed loads from copy (s0 & 1); fence(acquire);
//                        s1 = seq (relaxed); s0 == s1 -> the copy is consistent
//
// While the writer changes one copy, readers are sent to the other, which is complete: a reader
// retries only when the writer moved on during its copy, never because a write is in progress.
// Each store to `seq` is a release: it publishes the copy readers are sent to. The fence after
// it orders the store before the writes that follow, so a reader whose relaxed loads saw any of
// those writes sees the new `seq` after its own acquire fence and retries. All words are
// std::atomic<uint64_t>, copied with relaxed loads: never memcpy (a racy plain copy is undefined
// behaviour, and TSan reports it).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "sysring/layout.hpp"
#include "sysring/seqlock.hpp"

namespace sysring::latch {

// ---- Writer side ----

// Sends readers to the copy the writer does not touch next and returns the copy to write:
// call it, write the returned copy, call it again, write the other copy with the same changes.
[[nodiscard]] inline unsigned begin_copy_write(layout::Word& seq) noexcept {
  const std::uint64_t next = seq.load(std::memory_order_relaxed) + 1;
  seq.store(next, std::memory_order_release);           // the other copy is complete
  std::atomic_thread_fence(std::memory_order_release);  // ... and is published before we write
  return static_cast<unsigned>((next & 1) ^ 1);         // readers use next & 1: write the other
}

// Stores `n` words with relaxed stores (the writer's half of copy_words).
inline void store_words(layout::Word* dst, const std::uint64_t* src, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) dst[i].store(src[i], std::memory_order_relaxed);
}

// ---- Reader side (only loads: works on read-only mappings) ----

// Copies `n` words with relaxed loads. Unrolled by eight so the loads pipeline: the bulk reads
// of the value table are dominated by this loop.
inline void copy_words(const layout::Word* src, std::uint64_t* dst, std::size_t n) noexcept {
  const std::size_t bulk = n - n % 8;
  for (std::size_t i = 0; i < bulk; i += 8) {
    const std::uint64_t w0 = src[i].load(std::memory_order_relaxed);
    const std::uint64_t w1 = src[i + 1].load(std::memory_order_relaxed);
    const std::uint64_t w2 = src[i + 2].load(std::memory_order_relaxed);
    const std::uint64_t w3 = src[i + 3].load(std::memory_order_relaxed);
    const std::uint64_t w4 = src[i + 4].load(std::memory_order_relaxed);
    const std::uint64_t w5 = src[i + 5].load(std::memory_order_relaxed);
    const std::uint64_t w6 = src[i + 6].load(std::memory_order_relaxed);
    const std::uint64_t w7 = src[i + 7].load(std::memory_order_relaxed);
    dst[i] = w0;
    dst[i + 1] = w1;
    dst[i + 2] = w2;
    dst[i + 3] = w3;
    dst[i + 4] = w4;
    dst[i + 5] = w5;
    dst[i + 6] = w6;
    dst[i + 7] = w7;
  }
  for (std::size_t i = bulk; i < n; ++i) dst[i] = src[i].load(std::memory_order_relaxed);
}

// One attempt: runs `copy(const layout::Word* table)` on the copy readers are sent to now and
// returns true if the writer did not move on meanwhile. `copy` must only load (seqlock::load or
// copy_words) and must bound every length it reads: the words may be torn until validated.
// `copy_stride_words` is the distance from copy 0 to copy 1.
template <class CopyFn>
[[nodiscard]] inline bool try_read(const layout::Word& seq, const layout::Word* copy0,
                                   std::size_t copy_stride_words, CopyFn&& copy) noexcept {
  const std::uint64_t s0 = seq.load(std::memory_order_acquire);  // pairs with the writer's store
  // Copy 1 when s0 is odd: a mask rather than a multiply keeps the selection off the critical
  // path of the loads (two one-cycle operations).
  copy(copy0 + ((std::size_t{0} - (s0 & 1)) & copy_stride_words));
  std::atomic_thread_fence(std::memory_order_acquire);  // pairs with the writer's fence
  return seq.load(std::memory_order_relaxed) == s0;
}

// try_read until it succeeds, at most seqlock::kMaxReadAttempts times (a reader is only sent
// round again when the writer published twice during its copy; it gives up rather than spin
// on a broker that publishes faster than the reader can copy).
template <class CopyFn>
[[nodiscard]] inline bool read(const layout::Word& seq, const layout::Word* copy0,
                               std::size_t copy_stride_words, CopyFn&& copy,
                               int max_attempts = seqlock::kMaxReadAttempts) noexcept {
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    if (try_read(seq, copy0, copy_stride_words, copy)) return true;
    seqlock::cpu_relax();
  }
  return false;
}

}  // namespace sysring::latch
