// The delta ring with a scripted writer over a real segment: snapshot first, batches in order,
// wrap-around, lapping (reported exactly, then normal following), corrupt slots (skipped and
// counted), ticks split over several slots, instance events. The encoder alone:
// delta_encoder_test.cpp.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <signal.h>
#include <time.h>

#include "core_support.hpp"
#include "delta_batch_generated.h"
#include "instances/instance_table.hpp"
#include "segment/delta_encoder.hpp"
#include "sysring/client.hpp"
#include "sysring/ring_follower.hpp"

namespace sysring {
namespace {

using broker::DeltaEncoder;
using broker::RingWriter;

constexpr std::uint16_t kMemTotal = static_cast<std::uint16_t>(MetricId::mem_total);
constexpr std::uint16_t kMemFree = static_cast<std::uint16_t>(MetricId::mem_free);
constexpr std::uint16_t kHostname = static_cast<std::uint16_t>(MetricId::kern_hostname);

// A live segment plus a client and follower on it.
struct RingFixture {
  explicit RingFixture(std::uint32_t slots, std::uint32_t slot_size = 1024,
                       std::vector<registry::RegistryEntry> entries = coretest::linux_entries()) {
    coretest::SegmentSpec spec;
    spec.name = coretest::unique_segment_name("rng");
    spec.ring_slot_count = slots;
    spec.ring_slot_size = slot_size;
    spec.entries = std::move(entries);
    segment = coretest::make_segment(spec);
    segment->go_live();
    client = std::make_unique<Client>(Client::open(coretest::open_options(spec.name)));
    encoder = std::make_unique<DeltaEncoder>(segment->ring().capacity());
  }

  // Publishes one single-part batch for `tick` whose only delta is mem.free = value_of(tick).
  // Returns the ring position it went to.
  std::uint64_t publish_tick(std::uint64_t tick) {
    const std::uint64_t position = segment->ring().head();
    encoder->begin(tick, 1000 + tick, false);
    encoder->add_value(segment->cell(kMemFree), schema::ValueType::U64, value_of(tick));
    const std::size_t parts = encoder->finish(
        [&](std::span<const std::uint8_t> b, std::uint64_t n) { segment->ring().publish(b, n); });
    EXPECT_EQ(parts, 1u);
    return position;
  }
  static std::uint64_t value_of(std::uint64_t tick) { return 0xABC000 + tick * 3; }

  broker::InstanceTable instances{coretest::test_capacities(), 0, 1, 8192};
  std::unique_ptr<coretest::TestSegment> segment;
  std::unique_ptr<Client> client;
  std::unique_ptr<DeltaEncoder> encoder;
};

void expect_tick_batch(const Batch& b, std::uint64_t position, std::uint64_t tick) {
  EXPECT_EQ(b.position, position);
  EXPECT_EQ(b.tick, tick);
  EXPECT_EQ(b.timestamp_ns, 1000 + tick);
  EXPECT_FALSE(b.full_snapshot);
  EXPECT_FALSE(b.from_value_table);
  EXPECT_EQ(b.lost_batches, 0u);
  EXPECT_EQ(b.part, 0u);
  EXPECT_EQ(b.part_count, 1u);
  ASSERT_EQ(b.values.size(), 1u);
  EXPECT_EQ(b.values[0].id, MetricId::mem_free);
  EXPECT_EQ(b.values[0].bits, RingFixture::value_of(tick));
  EXPECT_TRUE(b.strings.empty());
  EXPECT_TRUE(b.unavailable.empty());
}

TEST(Ring, FirstPollIsFullSnapshotFromValueTable) {
  RingFixture f(8);
  f.segment->put_scalar(kMemTotal, 8'000'000, 5);
  f.segment->put_scalar(kMemFree, 1234, 5);
  f.segment->put_text(kHostname, "box-1", 5);
  f.segment->put_status(static_cast<std::uint16_t>(MetricId::mem_available),
                        layout::SlotStatus::kUnavailable, 5);
  // Two batches already in the ring before the follower starts: the snapshot resumes after them.
  f.publish_tick(0);
  f.publish_tick(1);

  RingFollower follower(*f.client);
  Batch b;
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  EXPECT_TRUE(b.full_snapshot);
  EXPECT_TRUE(b.from_value_table);
  EXPECT_EQ(b.lost_batches, 0u);
  EXPECT_EQ(b.position, 2u) << "a snapshot resumes from the head";
  std::map<MetricId, std::uint64_t> values;
  for (const Delta& d : b.values) EXPECT_TRUE(values.emplace(d.id, d.bits).second);
  EXPECT_EQ(values.size(), 2u) << "only slots holding a value (others are still EMPTY)";
  EXPECT_EQ(values[MetricId::mem_total], 8'000'000u);
  EXPECT_EQ(values[MetricId::mem_free], 1234u);
  ASSERT_EQ(b.strings.size(), 1u);
  EXPECT_EQ(b.strings[0].id, MetricId::kern_hostname);
  EXPECT_EQ(b.strings[0].text, "box-1");
  ASSERT_EQ(b.unavailable.size(), 1u);
  EXPECT_EQ(b.unavailable[0].id, MetricId::mem_available);
  EXPECT_TRUE(b.events.empty()) << "no instances";
  EXPECT_EQ(follower.position(), 2u);

  // Nothing new: idle, and idle again (no state change).
  EXPECT_EQ(follower.poll(b), PollResult::kIdle);
  EXPECT_EQ(follower.poll(b), PollResult::kIdle);
  // The next batch follows from the ring.
  f.publish_tick(2);
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  expect_tick_batch(b, 2, 2);
  EXPECT_EQ(follower.poll(b), PollResult::kIdle);
}

TEST(Ring, BatchesInOrderAcrossWrapAround) {
  RingFixture f(4);
  RingFollower follower(*f.client);
  Batch b;
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);  // empty snapshot at head 0
  ASSERT_TRUE(b.from_value_table);
  ASSERT_EQ(b.position, 0u);
  // 5 laps of a 4-slot ring, reading in bursts of up to 4 (never lapped).
  std::uint64_t tick = 0;
  for (int burst = 0; burst < 10; ++burst) {
    const int n = 1 + burst % 4;
    for (int i = 0; i < n; ++i) f.publish_tick(tick + static_cast<std::uint64_t>(i));
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(follower.poll(b), PollResult::kBatch) << "burst " << burst << " batch " << i;
      expect_tick_batch(b, tick, tick);
      ++tick;
    }
    EXPECT_EQ(follower.poll(b), PollResult::kIdle);
  }
  EXPECT_GT(tick, 4u * 4u) << "went round the ring several times";
  EXPECT_EQ(follower.position(), tick);
  EXPECT_EQ(follower.lost_total(), 0u);
  EXPECT_EQ(follower.lapped_count(), 0u);
  EXPECT_EQ(follower.corrupt_count(), 0u);
  const SegmentInfo info = f.client->info();
  EXPECT_EQ(info.ring_head, tick);
  EXPECT_EQ(info.ring_deltas_total, tick);
}

TEST(Ring, ExactlySlotCountBehindIsNotLapped) {
  RingFixture f(8);
  RingFollower follower(*f.client);
  Batch b;
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  for (std::uint64_t t = 0; t < 8; ++t) f.publish_tick(t);  // fills every slot exactly once
  for (std::uint64_t t = 0; t < 8; ++t) {
    ASSERT_EQ(follower.poll(b), PollResult::kBatch);
    expect_tick_batch(b, t, t);
  }
  EXPECT_EQ(follower.lapped_count(), 0u);
  EXPECT_EQ(follower.lost_total(), 0u);
}

TEST(Ring, LappedFollowerLearnsExactLossResyncsAndContinues) {
  constexpr std::uint32_t kSlots = 8;
  RingFixture f(kSlots);
  RingFollower follower(*f.client);
  Batch b;
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  std::uint64_t tick = 0;
  // Read 3 normally.
  for (int i = 0; i < 3; ++i) f.publish_tick(tick++);
  for (std::uint64_t t = 0; t < 3; ++t) {
    ASSERT_EQ(follower.poll(b), PollResult::kBatch);
    expect_tick_batch(b, t, t);
  }
  // The value table holds the latest mem.free, as the broker keeps it.
  // Publish slot_count + 5 batches without polling.
  constexpr std::uint64_t kUnread = kSlots + 5;
  for (std::uint64_t i = 0; i < kUnread; ++i) {
    f.segment->put_scalar(kMemFree, RingFixture::value_of(tick), tick);
    f.publish_tick(tick++);
  }
  ASSERT_EQ(follower.position(), 3u);
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  EXPECT_EQ(b.lost_batches, kUnread) << "every batch the follower had not read is lost";
  EXPECT_TRUE(b.full_snapshot);
  EXPECT_TRUE(b.from_value_table);
  EXPECT_EQ(b.position, 3u + kUnread) << "resumes at the head";
  EXPECT_EQ(follower.lost_total(), kUnread);
  EXPECT_EQ(follower.lapped_count(), 1u);
  EXPECT_EQ(follower.corrupt_count(), 0u);
  // The resync snapshot carries the latest value from the table.
  const auto it = std::find_if(b.values.begin(), b.values.end(),
                               [](const Delta& d) { return d.id == MetricId::mem_free; });
  ASSERT_NE(it, b.values.end());
  EXPECT_EQ(it->bits, RingFixture::value_of(tick - 1));

  // Following continues normally afterwards.
  EXPECT_EQ(follower.poll(b), PollResult::kIdle);
  for (int i = 0; i < 3; ++i) f.publish_tick(tick + static_cast<std::uint64_t>(i));
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(follower.poll(b), PollResult::kBatch);
    expect_tick_batch(b, tick, tick);
    ++tick;
  }
  EXPECT_EQ(follower.poll(b), PollResult::kIdle);
  EXPECT_EQ(follower.lost_total(), kUnread);
  EXPECT_EQ(follower.lapped_count(), 1u);

  // A second, much larger lap (many times round the ring) is counted exactly too.
  const std::uint64_t before = follower.position();
  for (int i = 0; i < 100; ++i) f.publish_tick(tick++);
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  EXPECT_EQ(b.lost_batches, 100u);
  EXPECT_EQ(b.position, before + 100);
  EXPECT_EQ(follower.lost_total(), kUnread + 100);
  EXPECT_EQ(follower.lapped_count(), 2u);
}

TEST(Ring, ResyncAfterReattachStartsWithSnapshot) {
  RingFixture f(8);
  RingFollower follower(*f.client);
  Batch b;
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  f.publish_tick(0);
  follower.resync();
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  EXPECT_TRUE(b.from_value_table);
  EXPECT_EQ(b.lost_batches, 0u);
  EXPECT_EQ(b.position, 1u);
  EXPECT_EQ(follower.poll(b), PollResult::kIdle);
}

// A garbage payload of `n` bytes from `rng`.
std::vector<std::uint8_t> garbage(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  for (auto& byte : out) byte = static_cast<std::uint8_t>(rng());
  return out;
}

TEST(Ring, CorruptSlotsAreSkippedAndCounted) {
  RingFixture f(16);
  RingFollower follower(*f.client);
  Batch b;
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  std::mt19937_64 rng(12345);

  std::vector<std::vector<std::uint8_t>> bad;
  bad.push_back(std::vector<std::uint8_t>(200, 0xAB));        // constant garbage
  bad.push_back({});                                          // empty
  bad.push_back(garbage(rng, 7));                             // shorter than a root offset
  bad.push_back(garbage(rng, f.segment->ring().capacity()));  // a full slot of noise
  {
    // A real batch, truncated.
    f.encoder->begin(9, 9, false);
    for (std::uint16_t i = 1; i < 40; ++i) {
      f.encoder->add_value(f.segment->cell(i), schema::ValueType::U64, i);
    }
    std::vector<std::uint8_t> whole;
    f.encoder->finish([&](std::span<const std::uint8_t> bytes, std::uint64_t) {
      whole.assign(bytes.begin(), bytes.end());
    });
    bad.emplace_back(whole.begin(), whole.begin() + static_cast<long>(whole.size() / 2));
    // A real batch with its identifier intact but a root offset pointing outside the buffer.
    std::vector<std::uint8_t> broken = whole;
    const std::uint32_t far = 0x7FFFFFF0;
    std::memcpy(broken.data(), &far, 4);
    bad.push_back(broken);
  }
  // Verifies as a FlatBuffer, but its contents do not fit the segment (a buggy writer).
  const auto packed_batch = [](std::vector<std::uint8_t> values, std::uint32_t value_count,
                               std::vector<std::uint8_t> counters = {},
                               std::uint32_t counter_count = 0) {
    flatbuffers::FlatBufferBuilder fbb;
    const auto v = fbb.CreateVector(values);
    const auto c = fbb.CreateVector(counters);
    schema::DeltaBatchBuilder batch(fbb);
    batch.add_tick(7);
    batch.add_values(v);
    batch.add_value_count(value_count);
    batch.add_counters(c);
    batch.add_counter_count(counter_count);
    schema::FinishDeltaBatchBuffer(fbb, batch.Finish());
    return std::vector<std::uint8_t>(fbb.GetBufferPointer(),
                                     fbb.GetBufferPointer() + fbb.GetSize());
  };
  const auto mem_free = static_cast<std::uint8_t>(f.segment->cell(kMemFree));
  ASSERT_LT(f.segment->cell(kMemFree), 128u) << "one varint byte below";
  bad.push_back(packed_batch({mem_free, 1}, 2));     // count says two, bytes hold one
  bad.push_back(packed_batch({mem_free, 1, 1}, 1));  // bytes left over after the count
  bad.push_back(packed_batch({mem_free, 0x80}, 1));  // a varint cut short
  bad.push_back(packed_batch({static_cast<std::uint8_t>(mem_free + 1), 1}, 1));  // not a cell
  bad.push_back(packed_batch({0, 1}, 1));  // a registration word, not a cell
  bad.push_back(packed_batch({0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1}, 1));  // past the table
  bad.push_back(packed_batch({mem_free, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F},
                             1));                              // a varint of more than 64 bits
  bad.push_back(packed_batch({}, 0, {mem_free, 1, 1, 0}, 1));  // a counter delta on a u64 cell
  {
    // Strings without their cells.
    flatbuffers::FlatBufferBuilder fbb;
    const auto strings = fbb.CreateVectorOfStrings({"a", "b"});
    schema::DeltaBatchBuilder batch(fbb);
    batch.add_strings(strings);
    schema::FinishDeltaBatchBuffer(fbb, batch.Finish());
    bad.emplace_back(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  }
  {
    // A well-formed FlatBuffer of the wrong type (no "SRDB" identifier).
    flatbuffers::FlatBufferBuilder fbb;
    fbb.Finish(fbb.CreateString("not a delta batch"));
    bad.emplace_back(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
  }

  std::uint64_t tick = 100;
  std::uint64_t expected_corrupt = 0;
  for (const auto& payload : bad) {
    ASSERT_LE(payload.size(), f.segment->ring().capacity());
    const std::uint64_t bad_position = f.segment->ring().head();
    f.segment->ring().publish(payload, 0);
    const std::uint64_t good_position = f.publish_tick(tick);
    ASSERT_EQ(follower.poll(b), PollResult::kCorrupt)
        << "payload of " << payload.size() << " bytes";
    ++expected_corrupt;
    EXPECT_EQ(follower.corrupt_count(), expected_corrupt);
    EXPECT_EQ(follower.position(), bad_position + 1) << "the corrupt slot is skipped";
    ASSERT_EQ(follower.poll(b), PollResult::kBatch) << "the next good batch still arrives";
    expect_tick_batch(b, good_position, tick);
    ++tick;
  }
  EXPECT_EQ(follower.poll(b), PollResult::kIdle);
  EXPECT_EQ(follower.lost_total(), 0u);

  // Random noise of every size: never a crash, always counted as corrupt.
  for (int i = 0; i < 300; ++i) {
    const std::size_t n = rng() % (f.segment->ring().capacity() + 1);
    auto payload = garbage(rng, n);
    if (i % 3 == 0 && n >= 8) std::memcpy(payload.data() + 4, "SRDB", 4);  // right identifier
    f.segment->ring().publish(payload, 0);
    const PollResult r = follower.poll(b);
    ASSERT_EQ(r, PollResult::kCorrupt) << "noise of " << n << " bytes, iteration " << i;
    ++expected_corrupt;
  }
  EXPECT_EQ(follower.corrupt_count(), expected_corrupt);
  EXPECT_EQ(follower.poll(b), PollResult::kIdle);
}

TEST(Ring, LargeTickIsSplitIntoVerifyingPartsCarryingEachDeltaOnce) {
  RingFixture f(64, 1024);
  RingFollower follower(*f.client);
  Batch b;
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);

  // Real cells of the segment: the first numeric, string and other scalar families.
  std::vector<std::uint16_t> numeric, text;
  for (const auto& e : coretest::linux_entries()) {
    if (e.domain != InstanceDomain::None) continue;
    if (e.type == schema::ValueType::String) {
      text.push_back(e.id);
    } else if (e.type != schema::ValueType::Counter) {
      numeric.push_back(e.id);
    }
  }
  constexpr std::size_t kScalars = 400;
  constexpr std::size_t kStrings = 12;
  constexpr std::size_t kUnavailable = 30;
  ASSERT_GE(numeric.size(), kScalars + kUnavailable);
  ASSERT_GE(text.size(), kStrings);
  f.encoder->begin(77, 7777, true);
  std::map<std::uint16_t, std::uint64_t> sent_scalars;
  std::map<std::uint16_t, std::string> sent_strings;
  std::set<std::uint16_t> sent_unavailable;
  for (std::size_t i = 0; i < kScalars; ++i) {
    const std::uint16_t id = numeric[i];
    sent_scalars[id] = 0xFEED0000ULL + i * 7;
    f.encoder->add_value(f.segment->cell(id), f.segment->layout().column(id)->type,
                         sent_scalars[id]);
  }
  for (std::size_t i = 0; i < kStrings; ++i) {
    const std::uint16_t id = text[i];
    sent_strings[id] = std::string(100, static_cast<char>('A' + i));
    f.encoder->add_text(f.segment->cell(id), sent_strings[id]);
  }
  for (std::size_t i = 0; i < kUnavailable; ++i) {
    const std::uint16_t id = numeric[kScalars + i];
    sent_unavailable.insert(id);
    f.encoder->add_unavailable(f.segment->cell(id));
  }
  EXPECT_EQ(f.encoder->change_count(), kScalars + kStrings + kUnavailable);
  std::vector<std::size_t> sizes;
  std::uint64_t delta_sum = 0;
  const std::size_t parts =
      f.encoder->finish([&](std::span<const std::uint8_t> bytes, std::uint64_t deltas) {
        sizes.push_back(bytes.size());
        delta_sum += deltas;
        f.segment->ring().publish(bytes, deltas);
      });
  // 400 * 6 bytes of scalars alone need at least 3 slots of 992 bytes.
  ASSERT_GE(parts, 3u);
  ASSERT_LE(parts, 16u);
  EXPECT_EQ(delta_sum, kScalars + kStrings + kUnavailable);
  for (const std::size_t s : sizes) EXPECT_LE(s, f.segment->ring().capacity());

  std::map<std::uint16_t, std::uint64_t> got_scalars;
  std::map<std::uint16_t, std::string> got_strings;
  std::set<std::uint16_t> got_unavailable;
  for (std::size_t p = 0; p < parts; ++p) {
    ASSERT_EQ(follower.poll(b), PollResult::kBatch) << "part " << p << " must verify";
    EXPECT_EQ(b.position, p);
    EXPECT_EQ(b.part, p);
    EXPECT_EQ(b.part_count, parts);
    EXPECT_EQ(b.tick, 77u);
    EXPECT_EQ(b.timestamp_ns, 7777u);
    EXPECT_TRUE(b.full_snapshot);
    EXPECT_FALSE(b.from_value_table);
    EXPECT_FALSE(b.values.empty() && b.strings.empty() && b.unavailable.empty())
        << "no empty parts";
    for (const Delta& d : b.values) {
      EXPECT_EQ(d.row, 0u);
      EXPECT_TRUE(got_scalars.emplace(static_cast<std::uint16_t>(d.id), d.bits).second)
          << "scalar delta " << static_cast<int>(d.id) << " delivered twice";
    }
    for (const StringDelta& s : b.strings) {
      EXPECT_TRUE(got_strings.emplace(static_cast<std::uint16_t>(s.id), s.text).second)
          << "string delta " << static_cast<int>(s.id) << " delivered twice";
    }
    for (const CellRef& cell : b.unavailable) {
      EXPECT_EQ(cell.row, 0u);
      EXPECT_TRUE(got_unavailable.insert(static_cast<std::uint16_t>(cell.id)).second);
    }
  }
  EXPECT_EQ(follower.poll(b), PollResult::kIdle);
  EXPECT_EQ(follower.corrupt_count(), 0u);
  EXPECT_EQ(got_scalars, sent_scalars);
  EXPECT_EQ(got_strings, sent_strings);
  EXPECT_EQ(got_unavailable, sent_unavailable);
  const SegmentInfo info = f.client->info();
  EXPECT_EQ(info.ring_head, parts);
  EXPECT_EQ(info.ring_deltas_total, kScalars + kStrings + kUnavailable);
}

// A follower that is lapped while the writer keeps publishing must still be told exactly how
// many batches it missed: lost_batches == (snapshot position) - (cursor before the poll), so
// that delivered + lost accounts for every position.
TEST(Ring, LapAccountingIsExactUnderAConcurrentWriter) {
  RingFixture f(2, 1024);
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> published{0};
  std::thread writer([&] {
    // Pre-built tiny batch: the writer thread only copies words and bumps the head.
    std::vector<std::uint8_t> batch;
    {
      DeltaEncoder enc(f.segment->ring().capacity());
      enc.begin(1, 1, false);
      enc.add_value(f.segment->cell(kMemFree), schema::ValueType::U64, 1);
      enc.finish([&](std::span<const std::uint8_t> b, std::uint64_t) {
        batch.assign(b.begin(), b.end());
      });
    }
    // Bursts that lap the 2-slot ring, with a pause after each: a resync snapshot needs the
    // head to stand still while it copies the table (DESIGN: "The ring and lapping").
    for (std::uint64_t n = 1; !stop.load(std::memory_order_relaxed); ++n) {
      f.segment->ring().publish(batch, 1);
      published.fetch_add(1, std::memory_order_relaxed);
      if (n % 8 == 0) std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  });
  RingFollower follower(*f.client);
  Batch b;
  std::uint64_t laps = 0, mismatches = 0, delivered = 0, corrupt = 0, busy = 0;
  std::uint64_t first_mismatch_lost = 0, first_mismatch_jump = 0;
  PollResult first = PollResult::kBusy;
  for (int i = 0; i < 100000 && first != PollResult::kBatch; ++i) first = follower.poll(b);
  ASSERT_EQ(first, PollResult::kBatch);
  const std::uint64_t start = follower.position();
  std::uint64_t lost = 0;
  // The window is a few instructions wide, so run until it is hit once, or for up to 3 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline && laps < 200000 && mismatches == 0) {
    const std::uint64_t before = follower.position();
    const PollResult r = follower.poll(b);
    if (r == PollResult::kBatch && b.from_value_table) {
      ++laps;
      lost += b.lost_batches;
      if (b.lost_batches != b.position - before) {
        if (mismatches == 0) {
          first_mismatch_lost = b.lost_batches;
          first_mismatch_jump = b.position - before;
        }
        ++mismatches;
      }
    } else if (r == PollResult::kBatch) {
      ++delivered;
      EXPECT_EQ(b.position, before);
    } else if (r == PollResult::kCorrupt) {
      ++corrupt;
    } else if (r == PollResult::kBusy) {
      ++busy;
    }
  }
  stop.store(true);
  writer.join();
  std::printf(
      "lap accounting: %llu published, %llu delivered, %llu laps, %llu lost, "
      "%llu mismatched laps, %llu corrupt, %llu busy\n",
      static_cast<unsigned long long>(published.load()), static_cast<unsigned long long>(delivered),
      static_cast<unsigned long long>(laps), static_cast<unsigned long long>(lost),
      static_cast<unsigned long long>(mismatches), static_cast<unsigned long long>(corrupt),
      static_cast<unsigned long long>(busy));
  EXPECT_GT(laps, 0u) << "the writer must have lapped the follower for this test to mean anything";
  EXPECT_EQ(corrupt, 0u);
  EXPECT_EQ(mismatches, 0u) << "first mismatch: reported lost_batches " << first_mismatch_lost
                            << " but the follower skipped " << first_mismatch_jump << " positions";
  EXPECT_EQ(delivered + lost + corrupt, follower.position() - start)
      << "every position is either delivered, reported lost, or counted corrupt";
}

// The same accounting, made independent of how many CPUs are free: the test laps the follower
// before every poll, and a POSIX timer interrupts it every 40 us with a signal handler that
// publishes a lap's worth of batches. Sooner or later the interrupt lands inside poll() between the
// head load that computes lost_batches and the one the resync snapshot resumes from.
namespace midpoll {
broker::RingWriter* g_ring = nullptr;
const std::vector<std::uint8_t>* g_batch = nullptr;
std::uint64_t g_per_signal = 0;
volatile sig_atomic_t g_signals = 0;
extern "C" void publish_on_signal(int) {
  for (std::uint64_t i = 0; i < g_per_signal; ++i) g_ring->publish(*g_batch, 1);  // lock-free
  g_signals = g_signals + 1;
}
}  // namespace midpoll

TEST(Ring, LapAccountingIsExactWhenTheWriterPublishesMidPoll) {
  // One descriptor only, so a resync snapshot is short and the window is a large part of poll().
  RingFixture f(2, 1024, {coretest::registry_row(kMemFree)});
  std::vector<std::uint8_t> batch;
  {
    DeltaEncoder enc(f.segment->ring().capacity());
    enc.begin(1, 1, false);
    enc.add_value(f.segment->cell(kMemFree), schema::ValueType::U64, 1);
    enc.finish(
        [&](std::span<const std::uint8_t> b, std::uint64_t) { batch.assign(b.begin(), b.end()); });
  }
  midpoll::g_ring = &f.segment->ring();
  midpoll::g_batch = &batch;
  midpoll::g_per_signal = 3;  // > slot_count: every interrupted follower is lapped
  struct sigaction sa {
  }, old{};
  sa.sa_handler = midpoll::publish_on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ASSERT_EQ(::sigaction(SIGALRM, &sa, &old), 0);
  timer_t timer{};
  sigevent sev{};
  sev.sigev_notify = SIGEV_SIGNAL;
  sev.sigev_signo = SIGALRM;
  ASSERT_EQ(::timer_create(CLOCK_MONOTONIC, &sev, &timer), 0);
  itimerspec every{};
  every.it_value.tv_nsec = 40'000;
  every.it_interval.tv_nsec = 40'000;
  ASSERT_EQ(::timer_settime(timer, 0, &every, nullptr), 0);

  RingFollower follower(*f.client);
  Batch b;
  std::uint64_t polls = 0, laps = 0, mismatches = 0, delivered = 0, lost = 0;
  std::uint64_t first_reported = 0, first_skipped = 0;
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  const std::uint64_t start = follower.position();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  sigset_t alarm_only;
  sigemptyset(&alarm_only);
  sigaddset(&alarm_only, SIGALRM);
  while (std::chrono::steady_clock::now() < deadline && mismatches == 0) {
    // Lap the follower from this thread too (with the signal blocked: one writer at a time), so
    // that every poll is a lapping poll the timer can interrupt.
    ::pthread_sigmask(SIG_BLOCK, &alarm_only, nullptr);
    for (int i = 0; i < 3; ++i) f.segment->ring().publish(batch, 1);
    ::pthread_sigmask(SIG_UNBLOCK, &alarm_only, nullptr);
    const std::uint64_t before = follower.position();
    const PollResult r = follower.poll(b);
    ++polls;
    if (r != PollResult::kBatch) continue;
    if (!b.from_value_table) {
      ++delivered;
      continue;
    }
    ++laps;
    lost += b.lost_batches;
    if (b.lost_batches != b.position - before) {
      first_reported = b.lost_batches;
      first_skipped = b.position - before;
      ++mismatches;
    }
  }
  const std::uint64_t end = follower.position();
  itimerspec off{};
  ::timer_settime(timer, 0, &off, nullptr);
  ::timer_delete(timer);
  ::sigaction(SIGALRM, &old, nullptr);
  std::printf("mid-poll laps: %llu polls, %d signals, %llu laps, %llu delivered, %llu mismatched\n",
              static_cast<unsigned long long>(polls), static_cast<int>(midpoll::g_signals),
              static_cast<unsigned long long>(laps), static_cast<unsigned long long>(delivered),
              static_cast<unsigned long long>(mismatches));
  EXPECT_GT(laps, 0u);
  EXPECT_EQ(mismatches, 0u) << "a lap reported lost_batches = " << first_reported
                            << " but the follower's cursor jumped " << first_skipped
                            << " positions: the difference is lost silently";
  EXPECT_EQ(delivered + lost, end - start);
}

// A resync snapshot is one consistent copy of the table: while the broker keeps publishing
// mem.total = 2 * mem.free together, every snapshot shows a matching pair, never one from each
// publish (the 1.x table, one seqlock a metric, could not promise that across metrics).
TEST(Ring, SnapshotIsOneConsistentCopyOfTheTable) {
  RingFixture f(8);
  std::atomic<bool> stop{false};
  std::thread broker([&] {
    for (std::uint64_t k = 1; !stop.load(std::memory_order_relaxed); ++k) {
      f.segment->values().put_scalar(f.segment->cell(kMemFree), schema::ValueType::U64, k);
      f.segment->values().put_scalar(f.segment->cell(kMemTotal), schema::ValueType::U64, 2 * k);
      f.segment->values().publish();
    }
  });
  std::uint64_t snapshots = 0, mismatched = 0;
  // Until enough snapshots came back (a sanitizer build against a writer that publishes back
  // to back retries most of them), at most 10 s.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (snapshots < 50 && std::chrono::steady_clock::now() < deadline) {
    RingFollower follower(*f.client);
    Batch b;
    if (follower.poll(b) != PollResult::kBatch) continue;
    ASSERT_TRUE(b.from_value_table);
    std::uint64_t total = 0, free = 0;
    for (const Delta& d : b.values) {
      if (d.id == MetricId::mem_total) total = d.bits;
      if (d.id == MetricId::mem_free) free = d.bits;
    }
    ++snapshots;
    if (total != 2 * free) ++mismatched;
  }
  stop.store(true);
  broker.join();
  EXPECT_GT(snapshots, 10u);
  EXPECT_EQ(mismatched, 0u);
}

// Instance events travel in order with the deltas of their rows, and the follower names a row
// from the events it delivered.
TEST(Ring, InstanceEventsAndRowsReachTheFollower) {
  RingFixture f(8, 1024, coretest::published_entries());
  RingFollower follower(*f.client);
  Batch b;
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);  // empty snapshot

  const auto disk_bytes = static_cast<std::uint16_t>(MetricId::disk_read_bytes);
  const auto cpu_cycles = static_cast<std::uint16_t>(MetricId::pmc_cycles);
  const broker::LabelView vda[] = {{"device", "vda"}};
  ASSERT_EQ(f.instances.present(InstanceDomain::Disk, "vda", vda, 10), 0u);
  const broker::InstanceEvent added = f.instances.events().back();
  f.encoder->begin(1, 2000, false);
  f.encoder->add_event(added);
  f.encoder->add_value(f.segment->cell(disk_bytes, 0), schema::ValueType::U64, 4096);
  f.encoder->add_counter(f.segment->cell(cpu_cycles, 2), 1000, 500, 250);
  f.encoder->finish([&](std::span<const std::uint8_t> bytes, std::uint64_t n) {
    f.segment->ring().publish(bytes, n);
  });

  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].kind, InstanceEventKind::kAdded);
  EXPECT_EQ(b.events[0].domain, InstanceDomain::Disk);
  EXPECT_EQ(b.events[0].name, "vda");
  ASSERT_EQ(b.events[0].labels.size(), 1u);
  EXPECT_EQ(b.events[0].labels[0].key, "device");
  EXPECT_EQ(b.events[0].labels[0].value, "vda");
  ASSERT_EQ(b.values.size(), 1u);
  EXPECT_EQ(b.values[0].id, MetricId::disk_read_bytes);
  EXPECT_EQ(b.values[0].row, 0u);
  EXPECT_EQ(b.values[0].bits, 4096u);
  ASSERT_EQ(b.counters.size(), 1u);
  EXPECT_EQ(b.counters[0].id, MetricId::pmc_cycles);
  EXPECT_EQ(b.counters[0].row, 2u);
  EXPECT_EQ(b.counters[0].totals.count, 1000u);
  EXPECT_EQ(b.counters[0].totals.time_enabled_ns, 500u);
  EXPECT_EQ(b.counters[0].totals.time_running_ns, 250u);
  const InstanceEvent* named = follower.instance(InstanceDomain::Disk, 0);
  ASSERT_NE(named, nullptr);
  EXPECT_EQ(named->name, "vda");

  f.instances.begin_refresh(InstanceDomain::Disk);
  f.instances.end_refresh(InstanceDomain::Disk, 20);  // vda gone
  f.encoder->begin(2, 3000, false);
  f.encoder->add_event(f.instances.events().back());
  f.encoder->finish([&](std::span<const std::uint8_t> bytes, std::uint64_t n) {
    f.segment->ring().publish(bytes, n);
  });
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  ASSERT_EQ(b.events.size(), 1u);
  EXPECT_EQ(b.events[0].kind, InstanceEventKind::kRemoved);
  EXPECT_EQ(b.events[0].name, "vda");
  ASSERT_EQ(b.events[0].labels.size(), 1u) << "a Removed gets the labels of its Added";
  EXPECT_EQ(b.events[0].labels[0].value, "vda");
  named = follower.instance(InstanceDomain::Disk, 0);
  ASSERT_NE(named, nullptr) << "still named while its removing batch is in hand";
  EXPECT_EQ(named->name, "vda");

  f.encoder->begin(3, 4000, false);
  f.encoder->finish([&](std::span<const std::uint8_t> bytes, std::uint64_t n) {
    f.segment->ring().publish(bytes, n);
  });
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  EXPECT_EQ(follower.instance(InstanceDomain::Disk, 0), nullptr) << "forgotten from the next batch";
}

}  // namespace
}  // namespace sysring
