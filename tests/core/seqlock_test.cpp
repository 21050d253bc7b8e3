// The seqlock protocol (the ring's slots): single-thread write/read, bounded "busy" on a
// preempted writer, retry on a write that overlaps the copy, and an in-process torn-read test
// (1 writer, 3 readers) over a multi-word payload. That last test is what clang's
// ThreadSanitizer checks: build with -DSYSRING_SANITIZE=thread. The value table's latch has its
// own suite (latch_test.cpp).
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "sysring/layout.hpp"
#include "sysring/seqlock.hpp"

namespace sysring {
namespace {

using layout::Word;

// A seqlock over kWords payload words, each on the shared-memory word type.
template <std::size_t kWords>
struct Guarded {
  alignas(64) Word seq{0};
  alignas(64) std::array<Word, kWords> words{};
};

template <std::size_t kWords>
void write_all(Guarded<kWords>& g, std::uint64_t value) {
  const std::uint64_t s = seqlock::write_begin(g.seq);
  for (auto& w : g.words) seqlock::store(w, value);
  seqlock::write_end(g.seq, s);
}

TEST(Seqlock, SingleThreadWriteThenRead) {
  Guarded<5> g;
  std::array<std::uint64_t, 5> out{};
  int copies = 0;
  // Initially even and readable (all zero).
  ASSERT_TRUE(seqlock::read(g.seq, [&] {
    ++copies;
    for (std::size_t i = 0; i < 5; ++i) out[i] = seqlock::load(g.words[i]);
  }));
  EXPECT_EQ(copies, 1);
  EXPECT_EQ(out, (std::array<std::uint64_t, 5>{}));

  for (std::uint64_t v = 1; v <= 100; ++v) {
    const std::uint64_t before = g.seq.load();
    const std::uint64_t s = seqlock::write_begin(g.seq);
    EXPECT_EQ(s, before);
    EXPECT_EQ(g.seq.load() & 1, 1u) << "odd while the write is open";
    for (std::size_t i = 0; i < 5; ++i) seqlock::store(g.words[i], v * 10 + i);
    seqlock::write_end(g.seq, s);
    EXPECT_EQ(g.seq.load(), before + 2) << "one write advances the sequence by two";
    copies = 0;
    ASSERT_TRUE(seqlock::read(g.seq, [&] {
      ++copies;
      for (std::size_t i = 0; i < 5; ++i) out[i] = seqlock::load(g.words[i]);
    }));
    EXPECT_EQ(copies, 1) << "no retry without a concurrent writer";
    for (std::size_t i = 0; i < 5; ++i) ASSERT_EQ(out[i], v * 10 + i);
  }
  EXPECT_EQ(g.seq.load(), 200u);
}

TEST(Seqlock, PreemptedWriterMakesReaderBusyAfterBoundedAttempts) {
  Guarded<2> g;
  write_all(g, 7);
  const std::uint64_t s = seqlock::write_begin(g.seq);  // the writer "is preempted" here
  seqlock::store(g.words[0], 8);                        // half-written
  int copies = 0;
  std::uint64_t seen = 0;
  const auto copy = [&] {
    ++copies;
    seen = seqlock::load(g.words[0]);
  };
  // Explicit bound.
  EXPECT_FALSE(seqlock::read(g.seq, copy, 10));
  EXPECT_EQ(copies, 0) << "an odd sequence must not even be copied";
  // Default bound: returns (false) in bounded time rather than spinning forever.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(seqlock::read(g.seq, copy));
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
  EXPECT_EQ(copies, 0);
  EXPECT_EQ(seen, 0u);
  // Zero attempts: busy at once.
  EXPECT_FALSE(seqlock::read(g.seq, copy, 0));

  // The writer resumes and finishes: readable again, with the new value only.
  seqlock::store(g.words[1], 8);
  seqlock::write_end(g.seq, s);
  std::array<std::uint64_t, 2> out{};
  ASSERT_TRUE(seqlock::read(g.seq, [&] {
    for (std::size_t i = 0; i < 2; ++i) out[i] = seqlock::load(g.words[i]);
  }));
  EXPECT_EQ(out, (std::array<std::uint64_t, 2>{8, 8}));
}

TEST(Seqlock, WriteDuringCopyIsDetectedAndRetried) {
  Guarded<3> g;
  write_all(g, 1);
  int copies = 0;
  std::array<std::uint64_t, 3> out{};
  // The first copy races with a complete write that lands between its word loads: the copy is
  // torn (1, 2, 2) and the reader must notice from the sequence and copy again.
  const auto copy = [&] {
    ++copies;
    out[0] = seqlock::load(g.words[0]);
    if (copies == 1) write_all(g, 2);
    out[1] = seqlock::load(g.words[1]);
    out[2] = seqlock::load(g.words[2]);
  };
  ASSERT_TRUE(seqlock::read(g.seq, copy));
  EXPECT_EQ(copies, 2);
  EXPECT_EQ(out, (std::array<std::uint64_t, 3>{2, 2, 2}));

  // With a single attempt the same overlap is reported busy instead of returning the torn copy.
  copies = 0;
  EXPECT_FALSE(seqlock::read(g.seq, copy, 1));
  EXPECT_EQ(copies, 1);
}

TEST(Seqlock, WriterAlwaysOverlappingGivesBusyNotTornData) {
  Guarded<2> g;
  int copies = 0;
  std::uint64_t next = 1;
  EXPECT_FALSE(seqlock::read(
      g.seq,
      [&] {
        ++copies;
        write_all(g, next++);  // every attempt overlaps a write
      },
      64));
  EXPECT_EQ(copies, 64);
}

struct TornCounts {
  std::uint64_t reads = 0, torn = 0, busy = 0, distinct = 0;
};

double torn_test_seconds() {
  if (const char* s = std::getenv("SYSRING_SEQLOCK_SECONDS")) return std::max(0.05, std::atof(s));
  return 1.0;
}

// 1 writer, 3 readers, ~1 s. The writer rewrites a 16-word payload (every word the same
// counter) and the readers copy it the way the ring follower copies a slot and check it.
TEST(Seqlock, ConcurrentReadersNeverSeeTornPayloads) {
  constexpr std::size_t kWords = 16;
  Guarded<kWords> raw;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> writes{0};

  std::thread writer([&] {
    std::uint64_t k = 1;
    while (!stop.load(std::memory_order_relaxed)) {
      write_all(raw, k);
      ++k;
      writes.store(k, std::memory_order_relaxed);
    }
  });

  constexpr int kReaders = 3;
  std::vector<TornCounts> counts(kReaders);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      TornCounts& c = counts[static_cast<std::size_t>(r)];
      std::uint64_t last_seen = 0;
      std::uint64_t words[kWords];
      while (!stop.load(std::memory_order_relaxed)) {
        if (!seqlock::read(raw.seq, [&] {
              for (std::size_t i = 0; i < kWords; ++i) words[i] = seqlock::load(raw.words[i]);
            })) {
          ++c.busy;
          continue;
        }
        ++c.reads;
        if (!std::all_of(words, words + kWords, [&](std::uint64_t w) { return w == words[0]; })) {
          ++c.torn;
        }
        if (words[0] != last_seen) ++c.distinct;
        last_seen = words[0];
      }
    });
  }

  std::this_thread::sleep_for(std::chrono::duration<double>(torn_test_seconds()));
  stop.store(true);
  writer.join();
  for (auto& t : readers) t.join();

  TornCounts total;
  for (const auto& c : counts) {
    total.reads += c.reads;
    total.torn += c.torn;
    total.busy += c.busy;
    total.distinct += c.distinct;
    EXPECT_GT(c.reads, 100u) << "every reader made progress";
  }
  std::printf(
      "seqlock torn-read test: %llu writes, %llu reads, %llu torn, %llu busy, %llu distinct\n",
      static_cast<unsigned long long>(writes.load()), static_cast<unsigned long long>(total.reads),
      static_cast<unsigned long long>(total.torn), static_cast<unsigned long long>(total.busy),
      static_cast<unsigned long long>(total.distinct));
  EXPECT_EQ(total.torn, 0u);
  EXPECT_GT(writes.load(), 1000u) << "the writer was actually writing";
  EXPECT_GT(total.distinct, 10u) << "readers saw the values change (the test exercised races)";
}

}  // namespace
}  // namespace sysring
