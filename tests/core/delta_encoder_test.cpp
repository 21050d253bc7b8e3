// The delta encoder alone, without a segment: what a delta costs in bytes, which lists a batch
// leaves out, and that every part it plans fits its ring slot and verifies.
#include <bit>
#include <cstdint>
#include <cstdio>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "delta_batch_generated.h"
#include "segment/delta_encoder.hpp"

namespace sysring {
namespace {

using broker::DeltaEncoder;

// Packed deltas cost what their varints cost: a one-byte gap between neighbouring cells plus the
// value's own varint (7 bits a byte), not a fixed 2-byte id and 8-byte word.
TEST(DeltaEncoder, BytesPerDeltaFollowTheVarintSizes) {
  DeltaEncoder encoder(1 << 20);  // one part whatever the count
  const auto size_with = [&](std::size_t n, std::uint64_t value) {
    encoder.begin(1, 1, false);
    for (std::size_t i = 0; i < n; ++i) {
      encoder.add_value(10 + 2 * i, schema::ValueType::U64, value);  // neighbouring cells
    }
    std::size_t size = 0;
    std::size_t parts = encoder.finish([&](std::span<const std::uint8_t> bytes, std::uint64_t d) {
      size = bytes.size();
      EXPECT_EQ(d, n);
    });
    EXPECT_EQ(parts, 1u);
    return size;
  };
  const std::size_t empty = size_with(0, 0);
  const auto per_delta = [&](std::uint64_t value) {
    return static_cast<double>(size_with(1100, value) - size_with(100, value)) / 1000.0;
  };
  const double small = per_delta(100);                   // 1 + 1
  const double megabytes = per_delta(5'000'000'000);     // 1 + 5
  const double full = per_delta(0xFFFFFFFFFFFFFFFFULL);  // 1 + 10
  std::printf(
      "delta batch: %zu bytes empty; %.3f / %.3f / %.3f bytes a delta for values of "
      "1, 5 and 10 varint bytes\n",
      empty, small, megabytes, full);
  EXPECT_NEAR(small, 2.0, 0.01);
  EXPECT_NEAR(megabytes, 6.0, 0.01);
  EXPECT_NEAR(full, 11.0, 0.01);
  EXPECT_LE(empty, 192u) << "fixed overhead within the encoder's planning estimate";
  // Types: I64 zigzag keeps small negatives small; F64 byte-reversal keeps round numbers small.
  EXPECT_EQ(DeltaEncoder::encode(schema::ValueType::I64, static_cast<std::uint64_t>(-3)), 5u);
  EXPECT_LT(DeltaEncoder::encode(schema::ValueType::F64, std::bit_cast<std::uint64_t>(0.5)),
            1u << 21)
      << "0.5 costs three varint bytes, not nine";
}

// A steady-state tick changes values only: its batch carries no empty lists (an absent vector
// reads as empty), which keeps the fixed cost of a batch to the tick, the time and the values.
TEST(DeltaEncoder, AValuesOnlyBatchLeavesTheEmptyListsOut) {
  DeltaEncoder encoder(1 << 16);
  encoder.begin(7, 123'456'789, false);
  for (std::uint64_t cell = 10; cell < 30; cell += 2) {
    encoder.add_value(cell, schema::ValueType::U64, 1000 + cell);
  }
  std::vector<std::uint8_t> bytes;
  encoder.finish(
      [&](std::span<const std::uint8_t> b, std::uint64_t) { bytes.assign(b.begin(), b.end()); });
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  ASSERT_TRUE(schema::VerifyDeltaBatchBuffer(verifier));
  const schema::DeltaBatch* batch = schema::GetDeltaBatch(bytes.data());
  ASSERT_NE(batch->values(), nullptr);
  EXPECT_EQ(batch->value_count(), 10u);
  EXPECT_EQ(batch->events(), nullptr);
  EXPECT_EQ(batch->counters(), nullptr);
  EXPECT_EQ(batch->string_cells(), nullptr);
  EXPECT_EQ(batch->strings(), nullptr);
  EXPECT_EQ(batch->unavailable_cells(), nullptr);
  // 10 deltas of (1-byte gap, 2-byte value) and the fixed part: identifier, vtable, tick,
  // time, count and the values vector's offset and length.
  std::printf("values-only batch of 10 deltas: %zu bytes\n", bytes.size());
  EXPECT_LE(bytes.size(), 30u + 80u);
}

// The encoder's per-part size planning must be conservative for any mix of deltas: build()
// throws if a part it planned does not fit its slot.
TEST(DeltaEncoder, PlannedPartsAlwaysFitTheirSlot) {
  std::mt19937_64 rng(777);
  for (const std::size_t capacity : {1024u - 32u, 2048u - 32u, 4096u - 32u}) {
    DeltaEncoder encoder(capacity);
    for (int round = 0; round < 300; ++round) {
      encoder.begin(static_cast<std::uint64_t>(round), 1, round % 2 == 0);
      const std::size_t scalars = rng() % 400, texts = rng() % 40, gone = rng() % 200;
      std::size_t expected = 0;
      const std::size_t counters = rng() % 100, events = rng() % 4;
      std::vector<broker::InstanceEvent> event_list(events);
      for (std::size_t i = 0; i < scalars; ++i, ++expected) {
        encoder.add_value(static_cast<std::uint32_t>(rng()), schema::ValueType::U64, rng());
      }
      for (std::size_t i = 0; i < counters; ++i, ++expected) {
        encoder.add_counter(static_cast<std::uint32_t>(rng()), rng(), rng(), rng());
      }
      for (std::size_t i = 0; i < texts; ++i, ++expected) {
        encoder.add_text(static_cast<std::uint32_t>(rng()), std::string(rng() % 130, 'x'));
      }
      for (std::size_t i = 0; i < gone; ++i, ++expected) {
        encoder.add_unavailable(static_cast<std::uint32_t>(rng()));
      }
      for (auto& e : event_list) {
        e.name = std::string(rng() % 200, 'n');
        e.labels = {{"device", std::string(rng() % 100, 'd')},
                    {"mountpoint", std::string(50, 'm')}};
        encoder.add_event(e);
        ++expected;
      }
      std::uint64_t total = 0;
      std::size_t emitted = 0;
      std::size_t parts = 0;
      ASSERT_NO_THROW(parts = encoder.finish([&](std::span<const std::uint8_t> bytes,
                                                 std::uint64_t d) {
        ASSERT_LE(bytes.size(), capacity);
        flatbuffers::Verifier v(bytes.data(), bytes.size());
        ASSERT_TRUE(schema::VerifyDeltaBatchBuffer(v));
        const auto* batch = schema::GetDeltaBatch(bytes.data());
        EXPECT_EQ(batch->part(), emitted);
        total += d;
        ++emitted;
      })) << "capacity "
          << capacity << " round " << round;
      EXPECT_EQ(parts, emitted);
      EXPECT_EQ(total, expected);
    }
  }
}

}  // namespace
}  // namespace sysring
