// The value table's latch (latch.hpp) and the broker's ValueTableWriter over it: readers are
// sent to the copy the writer is not touching, so they never wait; a publish that lands during a
// copy makes the reader copy again; and an in-process torn-read test (1 writer publishing
// scalar, counter, string and registration words, 3 readers copying them as libsysring does).
// The last test is what clang's ThreadSanitizer checks (-DSYSRING_SANITIZE=thread).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "segment/value_table_writer.hpp"
#include "sysring/latch.hpp"
#include "sysring/layout.hpp"

namespace sysring {
namespace {

using layout::Word;

// Two copies of `words` words, as in the segment's value section.
struct Table {
  explicit Table(std::size_t words)
      : stride(layout::value_copy_bytes(words) / 8), storage(2 * stride), seq(0) {}
  std::size_t stride;
  std::vector<Word> storage;
  alignas(64) Word seq;
  Word* copy0() { return storage.data(); }
};

TEST(Latch, WriterAlternatesCopiesAndReadersFollowTheFinishedOne) {
  Table t(8);
  // Readers start on copy 0 (sequence 0).
  const unsigned first = latch::begin_copy_write(t.seq);
  EXPECT_EQ(first, 0u) << "readers moved to copy 1, the writer writes copy 0";
  EXPECT_EQ(t.seq.load() & 1, 1u);
  t.copy0()[0].store(7);
  const unsigned second = latch::begin_copy_write(t.seq);
  EXPECT_EQ(second, 1u) << "readers moved back to the finished copy 0";
  std::uint64_t seen = 0;
  ASSERT_TRUE(latch::try_read(t.seq, t.copy0(), t.stride,
                              [&](const Word* c) { seen = seqlock::load(c[0]); }));
  EXPECT_EQ(seen, 7u);
}

TEST(Latch, AReaderNeverWaitsForAWriterThatStoppedMidWrite) {
  Table t(4);
  for (int pass = 0; pass < 2; ++pass) {
    Word* c = t.copy0() + latch::begin_copy_write(t.seq) * t.stride;
    c[0].store(1);
  }
  // The writer begins the next update and "is preempted" half way through copy 0: a seqlock
  // reader would spin until busy; a latch reader reads the complete copy 1 at once.
  Word* c = t.copy0() + latch::begin_copy_write(t.seq) * t.stride;
  c[0].store(2);
  int attempts = 0;
  std::uint64_t seen = 0;
  ASSERT_TRUE(latch::read(t.seq, t.copy0(), t.stride, [&](const Word* table) {
    ++attempts;
    seen = seqlock::load(table[0]);
  }));
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(seen, 1u) << "the last complete value, not the one being written";
}

TEST(Latch, APublishDuringTheCopySendsTheReaderRound) {
  Table t(4);
  int copies = 0;
  const auto copy = [&](const Word* /*table*/) {
    if (++copies == 1) (void)latch::begin_copy_write(t.seq);  // the writer moves on meanwhile
  };
  ASSERT_TRUE(latch::read(t.seq, t.copy0(), t.stride, copy));
  EXPECT_EQ(copies, 2);
  // A writer that moves on during every attempt gives "busy" after the bound, never a copy.
  int attempts = 0;
  EXPECT_FALSE(latch::read(
      t.seq, t.copy0(), t.stride,
      [&](const Word*) {
        ++attempts;
        (void)latch::begin_copy_write(t.seq);
      },
      32));
  EXPECT_EQ(attempts, 32);
}

TEST(Latch, CopyWordsCopiesEveryLengthExactly) {
  std::vector<Word> src(37);
  for (std::size_t i = 0; i < src.size(); ++i) src[i].store(i * 3 + 1);
  for (std::size_t n = 0; n <= src.size(); ++n) {
    std::vector<std::uint64_t> dst(src.size() + 1, 0xAA);
    latch::copy_words(src.data(), dst.data(), n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(dst[i], i * 3 + 1) << n;
    EXPECT_EQ(dst[n], 0xAAu) << "no word past n";
  }
}

TEST(ValueTableWriter, ReportsChangesAndPublishesBothCopies) {
  Table t(64);
  broker::ValueTableWriter w(t.seq, t.copy0(), t.stride, 64);
  EXPECT_TRUE(w.put_scalar(1, schema::ValueType::U64, 5)) << "empty -> value is a change";
  EXPECT_FALSE(w.put_scalar(1, schema::ValueType::U64, 5)) << "same value: no change";
  EXPECT_TRUE(w.put_scalar(1, schema::ValueType::U64, 6));
  EXPECT_TRUE(w.put_counter(10, 100, 50, 25));
  EXPECT_FALSE(w.put_counter(10, 100, 50, 25));
  EXPECT_TRUE(w.put_counter(10, 100, 51, 25)) << "enabled time alone is a change";
  EXPECT_TRUE(w.put_text(20, "hello"));
  EXPECT_FALSE(w.put_text(20, "hello"));
  EXPECT_TRUE(w.put_text(20, "hell"));
  EXPECT_TRUE(w.put_status(1, layout::SlotStatus::kUnavailable, schema::ValueType::U64));
  EXPECT_EQ(w.word(2), 0u) << "a cell without a value keeps no stale payload";
  EXPECT_FALSE(w.put_status(1, layout::SlotStatus::kUnavailable, schema::ValueType::U64));
  w.stamp(0, 42);
  w.put_word(60, layout::kRegistrationLive | 9);
  w.publish();
  for (unsigned c = 0; c < 2; ++c) {
    const Word* copy = t.copy0() + c * t.stride;
    for (std::size_t i = 0; i < 64; ++i) {
      ASSERT_EQ(copy[i].load(), w.word(i)) << "copy " << c << " word " << i;
    }
  }
  EXPECT_EQ(layout::meta_status(w.word(1)), layout::SlotStatus::kUnavailable);
  EXPECT_EQ(layout::meta_length(w.word(20)), 4u);
}

TEST(ValueTableWriter, PublishTouchesOnlyTheLinesWritten) {
  Table t(64);
  broker::ValueTableWriter w(t.seq, t.copy0(), t.stride, 64);
  w.publish();
  // Scribble on the copies where the writer did not write since: a publish must not copy them.
  t.copy0()[40].store(0xDEAD);
  t.copy0()[t.stride + 40].store(0xDEAD);
  EXPECT_TRUE(w.put_scalar(1, schema::ValueType::U64, 3));
  w.publish();
  EXPECT_EQ(t.copy0()[2].load(), 3u);
  EXPECT_EQ(t.copy0()[t.stride + 2].load(), 3u);
  EXPECT_EQ(t.copy0()[40].load(), 0xDEADu) << "line 5 was not dirty";
}

// ---- Torn-read detection ----

// String payload derived from a counter: length 8 + k % 90, byte i = 'a' + (k + i) % 26.
std::uint32_t text_length(std::uint64_t k) {
  return static_cast<std::uint32_t>(8 + k % 90);
}
std::string text_for(std::uint64_t k) {
  std::string s(text_length(k), '?');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('a' + (k + i) % 26);
  return s;
}
bool text_consistent(std::uint64_t k, const char* bytes, std::uint32_t length) {
  if (length != text_length(k)) return false;
  for (std::uint32_t i = 0; i < length; ++i) {
    if (bytes[i] != static_cast<char>('a' + (k + i) % 26)) return false;
  }
  return true;
}
std::uint64_t scalar_for(std::uint64_t k) {
  return k * 0x9E3779B97F4A7C15ULL ^ 0x5555;
}

TEST(Latch, TornChecksCatchMixedCopies) {
  // The checks below are not tautologies: mixtures of two writes fail them.
  const std::string a = text_for(41), b = text_for(42);
  EXPECT_TRUE(text_consistent(41, a.data(), text_length(41)));
  EXPECT_FALSE(text_consistent(42, a.data(), text_length(41)));  // old bytes, new stamp
  std::string mixed = b;
  mixed.replace(0, 8, a.substr(0, 8));  // first word from the older write
  EXPECT_FALSE(text_consistent(42, mixed.data(), text_length(42)));
  EXPECT_NE(scalar_for(41), scalar_for(42));
}

double torn_test_seconds() {
  if (const char* s = std::getenv("SYSRING_SEQLOCK_SECONDS")) return std::max(0.05, std::atof(s));
  return 1.0;
}

// 1 writer, 3 readers, ~1 s. Each publish k writes, through ValueTableWriter: a column stamp k,
// a scalar f(k), a counter (k, 2k, k), a string text_for(k) and a registration word k | live,
// spread over several cache lines. Readers copy everything in one latch read (as
// Client::read_all does) and check that all of it belongs to one k.
TEST(Latch, ConcurrentReadersNeverSeeTornTables) {
  constexpr std::size_t kWords = 64;
  constexpr std::uint64_t kTime = 0, kScalar = 1, kCounter = 9, kText = 24, kReg = 50;
  Table t(kWords);
  broker::ValueTableWriter w(t.seq, t.copy0(), t.stride, kWords);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> publishes{0};

  std::thread writer([&] {
    std::uint64_t k = 1;
    while (!stop.load(std::memory_order_relaxed)) {
      w.stamp(kTime, k);
      w.put_scalar(kScalar, schema::ValueType::U64, scalar_for(k));
      w.put_counter(kCounter, k, 2 * k, k);
      w.put_text(kText, text_for(k));
      w.put_word(kReg, k | layout::kRegistrationLive);
      w.publish();
      ++k;
      publishes.store(k, std::memory_order_relaxed);
    }
  });

  struct Counts {
    std::uint64_t reads = 0, torn = 0, busy = 0;
  };
  constexpr int kReaders = 3;
  std::vector<Counts> counts(kReaders);
  std::vector<std::thread> readers;
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      Counts& c = counts[static_cast<std::size_t>(r)];
      std::uint64_t copy[kWords];
      while (!stop.load(std::memory_order_relaxed)) {
        if (!latch::read(t.seq, t.copy0(), t.stride,
                         [&](const Word* table) { latch::copy_words(table, copy, kWords); })) {
          ++c.busy;
          continue;
        }
        ++c.reads;
        const std::uint64_t k = copy[kTime];
        if (k == 0) continue;  // nothing published yet
        char bytes[layout::kMaxStringBytes];
        const std::uint32_t length =
            std::min<std::uint32_t>(layout::meta_length(copy[kText]), layout::kMaxStringBytes);
        std::memcpy(bytes, &copy[kText + 1], length);
        const bool ok = copy[kScalar + 1] == scalar_for(k) && copy[kCounter + 1] == k &&
                        copy[kCounter + 2] == 2 * k && copy[kCounter + 3] == k &&
                        text_consistent(k, bytes, length) &&
                        copy[kReg] == (k | layout::kRegistrationLive);
        if (!ok) ++c.torn;
      }
    });
  }

  std::this_thread::sleep_for(std::chrono::duration<double>(torn_test_seconds()));
  stop.store(true);
  writer.join();
  for (auto& th : readers) th.join();

  Counts total;
  for (const auto& c : counts) {
    total.reads += c.reads;
    total.torn += c.torn;
    total.busy += c.busy;
    EXPECT_GT(c.reads, 100u) << "every reader made progress";
  }
  std::printf("latch torn-read test: %llu publishes, %llu reads, %llu torn, %llu busy\n",
              static_cast<unsigned long long>(publishes.load()),
              static_cast<unsigned long long>(total.reads),
              static_cast<unsigned long long>(total.torn),
              static_cast<unsigned long long>(total.busy));
  EXPECT_EQ(total.torn, 0u);
  EXPECT_GT(publishes.load(), 1000u) << "the writer was actually publishing";
}

}  // namespace
}  // namespace sysring
