// TickLoop driven by scripted sources into a real segment, observed the way clients see it:
// through Client reads and a RingFollower.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core_support.hpp"
#include "sources/metric_sources.hpp"
#include "sysring/client.hpp"
#include "sysring/ring_follower.hpp"
#include "tick_loop.hpp"

namespace sysring {
namespace {

using broker::Availability;
using broker::Reading;
using layout::SlotStatus;

constexpr std::uint64_t kSec = 1'000'000'000ULL;
constexpr std::uint64_t kT0 = 5'000 * kSec;  // any monotonic time

std::uint16_t u16(MetricId id) {
  return static_cast<std::uint16_t>(id);
}

// Scripted values per id; counts reads and ticks; complains about reads it should never get.
class FakeSources final : public broker::MetricSources {
 public:
  struct Script {
    Availability availability{true, ""};
    SlotStatus status = SlotStatus::kOk;
    std::uint64_t bits = 0;
    std::string text;
  };

  Script& operator[](MetricId id) { return scripts_[u16(id)]; }

  const Availability& availability(std::uint16_t id) const override {
    static const Availability kNone{false, "fake: no script"};
    const auto it = scripts_.find(id);
    return it == scripts_.end() ? kNone : it->second.availability;
  }
  void begin_tick() override {
    ++ticks;
    in_tick = true;
  }
  Reading read(std::uint16_t id) override {
    EXPECT_TRUE(in_tick) << "read() before begin_tick()";
    ++reads[id];
    const auto it = scripts_.find(id);
    if (it == scripts_.end() || !it->second.availability.available) {
      ADD_FAILURE() << "read() of metric " << id << " which is not available";
      return Reading{SlotStatus::kUnavailable, 0, {}};
    }
    Reading r;
    r.status = it->second.status;
    r.bits = it->second.bits;
    r.text = it->second.text;
    return r;
  }

  std::map<std::uint16_t, int> reads;
  int ticks = 0;
  bool in_tick = false;

 private:
  std::map<std::uint16_t, Script> scripts_;
};

registry::RegistryEntry row(MetricId id) {
  return coretest::registry_row(u16(id));
}

std::vector<MetricId> ids_of(const std::vector<CellRef>& cells) {
  std::vector<MetricId> out;
  for (const CellRef& c : cells) out.push_back(c.id);
  return out;
}

// A broker over a chosen set of registry rows, plus a client and follower that attached before
// the first tick (so they can see ring position 0).
class TickLoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto commit_limit = row(MetricId::mem_commit_limit);
    commit_limit.ttl_ms = 5000;  // a scalar with a 5 s TTL
    auto buffers = row(MetricId::mem_buffers);
    buffers.recommended_pattern = schema::AccessPattern::Disabled;
    entries_ = {row(MetricId::mem_total),        row(MetricId::mem_free),
                row(MetricId::mem_available),    buffers,
                row(MetricId::mem_cached),       commit_limit,
                row(MetricId::vm_pgfault),       row(MetricId::load_avg1),
                row(MetricId::net_tcp_max_conn), row(MetricId::kern_hostname),
                row(MetricId::kern_ostype)};
    ASSERT_EQ(row(MetricId::mem_total).recommended_pattern, schema::AccessPattern::Static);
    ASSERT_EQ(row(MetricId::kern_hostname).ttl_ms, 5000u);
    ASSERT_EQ(row(MetricId::kern_hostname).type, schema::ValueType::String);
    ASSERT_EQ(row(MetricId::kern_ostype).recommended_pattern, schema::AccessPattern::Static);

    src_[MetricId::mem_total].bits = 8ULL << 30;
    src_[MetricId::mem_free].bits = 1ULL << 30;
    src_[MetricId::mem_available].availability = {false, "fake: no MemAvailable"};
    src_[MetricId::mem_buffers].bits = 77;                       // disabled: must never be read
    src_[MetricId::mem_cached].status = SlotStatus::kReadError;  // exists, read fails
    src_[MetricId::mem_commit_limit].bits = 12345;
    src_[MetricId::vm_pgfault].bits = 1000;
    src_[MetricId::load_avg1].bits = std::bit_cast<std::uint64_t>(0.75);
    src_[MetricId::net_tcp_max_conn].bits = static_cast<std::uint64_t>(std::int64_t{-1});
    src_[MetricId::kern_hostname].text = "alpha";
    src_[MetricId::kern_ostype].text = "Linux";

    coretest::SegmentSpec spec;
    spec.name = coretest::unique_segment_name("tl");
    spec.entries = entries_;
    spec.ring_slot_count = 64;
    spec.ring_slot_size = 4096;
    spec.availability = [this](std::uint16_t id) -> const Availability& {
      return src_.availability(id);
    };
    segment_ = coretest::make_segment(spec);
    loop_ =
        std::make_unique<broker::TickLoop>(segment_->writer(), segment_->layout(), src_,
                                           std::span<broker::InstanceSource* const>{}, entries_);
    segment_->go_live();
    client_ = std::make_unique<Client>(Client::open(coretest::open_options(spec.name)));
    follower_ = std::make_unique<RingFollower>(*client_);
    Batch b;
    ASSERT_EQ(follower_->poll(b), PollResult::kBatch);  // the initial (empty) snapshot
    ASSERT_TRUE(b.from_value_table);
    ASSERT_EQ(b.position, 0u);
  }

  broker::TickStats tick_at(std::uint64_t k) { return loop_->tick(kT0 + k * kSec); }

  Scalar read_ok(MetricId id) {
    Scalar v;
    EXPECT_EQ(client_->read(id, v), ReadStatus::kOk) << EnumNameMetricId(id);
    return v;
  }
  std::string read_text_ok(MetricId id, std::uint64_t* read_time = nullptr) {
    Text t;
    EXPECT_EQ(client_->read_text(id, t), ReadStatus::kOk) << EnumNameMetricId(id);
    if (read_time) *read_time = t.read_time_ns;
    return std::string(t.view());
  }
  // All ring batches published since the last call.
  std::vector<Batch> drain() {
    std::vector<Batch> out;
    for (;;) {
      Batch b;
      const PollResult r = follower_->poll(b);
      if (r == PollResult::kIdle) break;
      EXPECT_EQ(r, PollResult::kBatch);
      if (r != PollResult::kBatch) break;
      EXPECT_FALSE(b.from_value_table) << "the follower should never need a resync here";
      out.push_back(std::move(b));
    }
    return out;
  }
  static std::map<MetricId, std::uint64_t> values_of(const Batch& b) {
    std::map<MetricId, std::uint64_t> m;
    for (const Delta& d : b.values)
      EXPECT_TRUE(m.emplace(d.id, d.bits).second) << "duplicate delta";
    return m;
  }

  std::vector<registry::RegistryEntry> entries_;
  FakeSources src_;
  std::unique_ptr<coretest::TestSegment> segment_;
  std::unique_ptr<broker::TickLoop> loop_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<RingFollower> follower_;
};

TEST_F(TickLoopTest, FirstTickPublishesFullSnapshotOfEveryAvailableMetric) {
  const broker::TickStats stats = tick_at(0);
  EXPECT_EQ(stats.reads, 9u) << "11 rows less one unavailable, one disabled";
  EXPECT_EQ(stats.parts, 1u);
  EXPECT_EQ(stats.changes, 10u) << "9 readings plus the metric unavailable from the start";
  const std::vector<Batch> batches = drain();
  ASSERT_EQ(batches.size(), 1u);
  const Batch& b = batches[0];
  EXPECT_EQ(b.position, 0u);
  EXPECT_TRUE(b.full_snapshot);
  EXPECT_FALSE(b.from_value_table);
  EXPECT_EQ(b.tick, 0u);
  EXPECT_EQ(b.timestamp_ns, kT0);
  EXPECT_EQ(b.part_count, 1u);
  const std::map<MetricId, std::uint64_t> expected = {
      {MetricId::mem_total, 8ULL << 30},
      {MetricId::mem_free, 1ULL << 30},
      {MetricId::mem_commit_limit, 12345},
      {MetricId::vm_pgfault, 1000},
      {MetricId::load_avg1, std::bit_cast<std::uint64_t>(0.75)},
      {MetricId::net_tcp_max_conn, static_cast<std::uint64_t>(std::int64_t{-1})}};
  EXPECT_EQ(values_of(b), expected);
  std::map<MetricId, std::string> strings;
  for (const auto& s : b.strings) strings[s.id] = s.text;
  EXPECT_EQ(strings, (std::map<MetricId, std::string>{{MetricId::kern_hostname, "alpha"},
                                                      {MetricId::kern_ostype, "Linux"}}));
  // The full snapshot names what will never come (unavailable from the start) and the failed read.
  EXPECT_EQ(ids_of(b.unavailable),
            (std::vector<MetricId>{MetricId::mem_available, MetricId::mem_cached}));

  // The value table agrees, stamped with the tick's time and typed by the registry.
  const Scalar total = read_ok(MetricId::mem_total);
  EXPECT_EQ(total.bits, 8ULL << 30);
  EXPECT_EQ(total.read_time_ns, kT0);
  EXPECT_EQ(total.type, schema::ValueType::U64);
  const Scalar load = read_ok(MetricId::load_avg1);
  EXPECT_EQ(load.type, schema::ValueType::F64);
  EXPECT_DOUBLE_EQ(load.as_f64(), 0.75);
  const Scalar conn = read_ok(MetricId::net_tcp_max_conn);
  EXPECT_EQ(conn.type, schema::ValueType::I64);
  EXPECT_EQ(conn.as_i64(), -1);
  EXPECT_EQ(read_text_ok(MetricId::kern_hostname), "alpha");
  const SegmentInfo info = client_->info();
  EXPECT_EQ(info.tick_count, 1u);
  EXPECT_EQ(info.heartbeat_ns, kT0);
  EXPECT_EQ(info.ring_head, 1u);
  EXPECT_EQ(info.ring_deltas_total, 10u);
}

TEST_F(TickLoopTest, UnchangedValuesPublishNothingButRefreshReadTime) {
  tick_at(0);
  ASSERT_EQ(drain().size(), 1u);
  const broker::TickStats stats = tick_at(1);
  EXPECT_EQ(stats.parts, 0u);
  EXPECT_EQ(stats.changes, 0u);
  EXPECT_GT(stats.reads, 0u);
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(client_->info().ring_head, 1u) << "no batch for a tick without changes";
  // Re-read values carry the new read time; values not due keep theirs.
  EXPECT_EQ(read_ok(MetricId::mem_free).read_time_ns, kT0 + kSec);
  EXPECT_EQ(read_ok(MetricId::mem_free).bits, 1ULL << 30);
  EXPECT_EQ(read_ok(MetricId::vm_pgfault).read_time_ns, kT0 + kSec);
  EXPECT_EQ(read_ok(MetricId::mem_total).read_time_ns, kT0) << "STATIC: not re-read";
  EXPECT_EQ(read_ok(MetricId::mem_commit_limit).read_time_ns, kT0) << "5 s TTL: not due yet";
  std::uint64_t host_time = 0;
  EXPECT_EQ(read_text_ok(MetricId::kern_hostname, &host_time), "alpha");
  EXPECT_EQ(host_time, kT0);
  const SegmentInfo info = client_->info();
  EXPECT_EQ(info.tick_count, 2u);
  EXPECT_EQ(info.heartbeat_ns, kT0 + kSec);
}

TEST_F(TickLoopTest, ChangesProduceExactlyThoseDeltas) {
  tick_at(0);
  ASSERT_EQ(drain().size(), 1u);
  src_[MetricId::mem_free].bits = (1ULL << 30) - 4096;
  src_[MetricId::load_avg1].bits = std::bit_cast<std::uint64_t>(1.5);
  src_[MetricId::mem_commit_limit].bits = 99;  // changed, but not due until 5 s
  const broker::TickStats stats = tick_at(1);
  EXPECT_EQ(stats.changes, 2u);
  EXPECT_EQ(stats.parts, 1u);
  const std::vector<Batch> batches = drain();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_FALSE(batches[0].full_snapshot);
  EXPECT_EQ(batches[0].tick, 1u);
  EXPECT_EQ(batches[0].timestamp_ns, kT0 + kSec);
  EXPECT_EQ(values_of(batches[0]), (std::map<MetricId, std::uint64_t>{
                                       {MetricId::mem_free, (1ULL << 30) - 4096},
                                       {MetricId::load_avg1, std::bit_cast<std::uint64_t>(1.5)}}));
  EXPECT_TRUE(batches[0].strings.empty());
  EXPECT_TRUE(batches[0].unavailable.empty());
  EXPECT_EQ(read_ok(MetricId::mem_free).bits, (1ULL << 30) - 4096);
  EXPECT_DOUBLE_EQ(read_ok(MetricId::load_avg1).as_f64(), 1.5);
  EXPECT_EQ(read_ok(MetricId::mem_commit_limit).bits, 12345u);

  // A value that changes and changes back within one TTL publishes nothing.
  src_[MetricId::vm_pgfault].bits = 2000;
  src_[MetricId::vm_pgfault].bits = 1000;
  EXPECT_EQ(tick_at(2).parts, 0u);
  // The 5 s metric's change arrives when it is due (t0 + 5 s), alone.
  tick_at(3);
  tick_at(4);
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(tick_at(5).changes, 1u);
  const std::vector<Batch> later = drain();
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(values_of(later[0]),
            (std::map<MetricId, std::uint64_t>{{MetricId::mem_commit_limit, 99}}));
  EXPECT_EQ(later[0].tick, 5u);
}

TEST_F(TickLoopTest, UnavailableMetricReadsUnavailableNeverZeroOk) {
  tick_at(0);
  tick_at(1);
  Scalar v;
  v.bits = 0xDEAD;
  EXPECT_EQ(client_->read(MetricId::mem_available, v), ReadStatus::kUnavailable);
  Text t;
  EXPECT_EQ(client_->read_text(MetricId::mem_available, t), ReadStatus::kUnavailable);
  EXPECT_EQ(src_.reads[u16(MetricId::mem_available)], 0) << "never read from the source";
  const Descriptor* d = client_->descriptor(MetricId::mem_available);
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->available);
  EXPECT_EQ(d->unavailable_reason, "fake: no MemAvailable");
  // A fresh follower's snapshot lists it as unavailable, with no value.
  RingFollower fresh(*client_);
  Batch b;
  ASSERT_EQ(fresh.poll(b), PollResult::kBatch);
  const std::vector<MetricId> unavailable = ids_of(b.unavailable);
  EXPECT_NE(std::find(unavailable.begin(), unavailable.end(), MetricId::mem_available),
            unavailable.end());
  EXPECT_EQ(values_of(b).count(MetricId::mem_available), 0u);
  // Disabled: never read, never written.
  EXPECT_EQ(src_.reads[u16(MetricId::mem_buffers)], 0);
  EXPECT_EQ(client_->read(MetricId::mem_buffers, v), ReadStatus::kEmpty);
}

TEST_F(TickLoopTest, ReadErrorIsPublishedAsStatusAndRecovers) {
  tick_at(0);
  drain();
  Scalar v;
  EXPECT_EQ(client_->read(MetricId::mem_cached, v), ReadStatus::kReadError);
  // Recovers: the value appears as a delta and reads OK.
  src_[MetricId::mem_cached].status = SlotStatus::kOk;
  src_[MetricId::mem_cached].bits = 4242;
  tick_at(1);
  std::vector<Batch> batches = drain();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(values_of(batches[0]),
            (std::map<MetricId, std::uint64_t>{{MetricId::mem_cached, 4242}}));
  EXPECT_EQ(read_ok(MetricId::mem_cached).bits, 4242u);
  // Fails again: announced as unavailable, and the stale value is not served as OK.
  src_[MetricId::mem_cached].status = SlotStatus::kReadError;
  tick_at(2);
  batches = drain();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_TRUE(batches[0].values.empty());
  EXPECT_EQ(ids_of(batches[0].unavailable), std::vector<MetricId>{MetricId::mem_cached});
  EXPECT_EQ(client_->read(MetricId::mem_cached, v), ReadStatus::kReadError);
  // Still failing: no repeated announcement.
  tick_at(3);
  EXPECT_TRUE(drain().empty());
}

TEST_F(TickLoopTest, StaticMetricsAreReadOnce) {
  for (std::uint64_t k = 0; k < 20; ++k) {
    // The source changing under a STATIC metric is ignored: it is never asked again.
    src_[MetricId::mem_total].bits = (8ULL << 30) + k;
    src_[MetricId::kern_ostype].text = "Linux" + std::to_string(k);
    tick_at(k);
  }
  EXPECT_EQ(src_.ticks, 20);
  EXPECT_EQ(src_.reads[u16(MetricId::mem_total)], 1);
  EXPECT_EQ(src_.reads[u16(MetricId::kern_ostype)], 1);
  EXPECT_EQ(src_.reads[u16(MetricId::net_tcp_max_conn)], 1);
  EXPECT_EQ(read_ok(MetricId::mem_total).bits, 8ULL << 30);
  EXPECT_EQ(read_ok(MetricId::mem_total).read_time_ns, kT0);
  EXPECT_EQ(read_text_ok(MetricId::kern_ostype), "Linux0");
  EXPECT_EQ(src_.reads[u16(MetricId::mem_free)], 20) << "POLLED 1000 ms: every 1 s tick";
}

TEST_F(TickLoopTest, TtlOf5000MsIsNotReReadAt1000MsTicks) {
  for (std::uint64_t k = 0; k <= 10; ++k) tick_at(k);
  EXPECT_EQ(src_.reads[u16(MetricId::mem_free)], 11);
  EXPECT_EQ(src_.reads[u16(MetricId::mem_commit_limit)], 3) << "at 0, 5 and 10 s";
  EXPECT_EQ(src_.reads[u16(MetricId::kern_hostname)], 3) << "at 0, 5 and 10 s";
  std::uint64_t host_time = 0;
  read_text_ok(MetricId::kern_hostname, &host_time);
  EXPECT_EQ(host_time, kT0 + 10 * kSec);
  EXPECT_EQ(read_ok(MetricId::mem_commit_limit).read_time_ns, kT0 + 10 * kSec);
}

TEST_F(TickLoopTest, HostnameChangeTravelsInTheRingAndReadsBackConsistent) {
  tick_at(0);
  drain();
  // Longer, then shorter: the shorter value must not keep bytes of the longer one.
  const std::string long_name = "a-much-longer-host-name-of-sixty-bytes.example.internal.test";
  src_[MetricId::kern_hostname].text = long_name;
  for (std::uint64_t k = 1; k <= 4; ++k) tick_at(k);
  EXPECT_TRUE(drain().empty()) << "not due before 5 s";
  EXPECT_EQ(read_text_ok(MetricId::kern_hostname), "alpha");
  tick_at(5);
  std::vector<Batch> batches = drain();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].strings.size(), 1u);
  EXPECT_EQ(batches[0].strings[0].id, MetricId::kern_hostname);
  EXPECT_EQ(batches[0].strings[0].text, long_name);
  EXPECT_TRUE(batches[0].values.empty());
  EXPECT_EQ(read_text_ok(MetricId::kern_hostname), long_name);

  src_[MetricId::kern_hostname].text = "b";
  for (std::uint64_t k = 6; k <= 10; ++k) tick_at(k);
  batches = drain();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].strings.size(), 1u);
  EXPECT_EQ(batches[0].strings[0].text, "b");
  EXPECT_EQ(read_text_ok(MetricId::kern_hostname), "b");
  Text t;
  ASSERT_EQ(client_->read_text(MetricId::kern_hostname, t), ReadStatus::kOk);
  EXPECT_EQ(t.length, 1u);
  // A new follower's snapshot carries the current hostname too.
  RingFollower fresh(*client_);
  Batch b;
  ASSERT_EQ(fresh.poll(b), PollResult::kBatch);
  const auto it = std::find_if(b.strings.begin(), b.strings.end(), [](const StringDelta& s) {
    return s.id == MetricId::kern_hostname;
  });
  ASSERT_NE(it, b.strings.end());
  EXPECT_EQ(it->text, "b");
}

// The whole Linux registry changing at once does not fit one 1 KiB slot: the tick is split,
// counted in ring_split_ticks, and every metric arrives exactly once.
TEST(TickLoopSplit, FullRegistrySnapshotSplitsOverSlots) {
  FakeSources src;
  std::vector<registry::RegistryEntry> entries;
  for (const auto& e : coretest::linux_entries()) {
    if (e.domain == InstanceDomain::None) entries.push_back(e);  // the scalars FakeSources serves
  }
  std::size_t strings = 0;
  for (const auto& e : entries) {
    auto& s = src[static_cast<MetricId>(e.id)];
    if (e.type == schema::ValueType::String) {
      s.text = std::string(40, static_cast<char>('a' + e.id % 26));
      ++strings;
    } else {
      s.bits = 1000 + e.id;
    }
  }
  coretest::SegmentSpec spec;
  spec.name = coretest::unique_segment_name("tls");
  spec.entries = entries;
  spec.ring_slot_count = 16;
  spec.ring_slot_size = 1024;
  auto segment = coretest::make_segment(spec);
  broker::TickLoop loop(segment->writer(), segment->layout(), src,
                        std::span<broker::InstanceSource* const>{}, entries);
  segment->go_live();
  const Client client = Client::open(coretest::open_options(spec.name));
  RingFollower follower(client);
  Batch b;
  ASSERT_EQ(follower.poll(b), PollResult::kBatch);
  const broker::TickStats stats = loop.tick(kT0);
  EXPECT_EQ(stats.changes, entries.size());
  ASSERT_GE(stats.parts, 2u);
  EXPECT_EQ(client.info().ring_split_ticks, 1u);
  std::set<MetricId> seen;
  for (std::uint64_t p = 0; p < stats.parts; ++p) {
    ASSERT_EQ(follower.poll(b), PollResult::kBatch);
    EXPECT_EQ(b.part, p);
    EXPECT_EQ(b.part_count, stats.parts);
    EXPECT_TRUE(b.full_snapshot);
    for (const Delta& d : b.values) {
      EXPECT_TRUE(seen.insert(d.id).second);
      EXPECT_EQ(d.bits, 1000u + static_cast<std::uint16_t>(d.id));
    }
    for (const StringDelta& s : b.strings) EXPECT_TRUE(seen.insert(s.id).second);
  }
  EXPECT_EQ(follower.poll(b), PollResult::kIdle);
  EXPECT_EQ(seen.size(), entries.size());
  EXPECT_GT(strings, 0u);
  // A quiet second tick is not a split.
  loop.tick(kT0 + kSec);
  EXPECT_EQ(client.info().ring_split_ticks, 1u);
}

}  // namespace
}  // namespace sysring
