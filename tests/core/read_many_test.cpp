// Client::read_many and BoundMetric must return exactly what Client::read returns, metric by
// metric, including the statuses a bulk reader could be tempted to paper over; read_many and
// read_all return values of one broker publish.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "core_support.hpp"
#include "sysring/client.hpp"

namespace sysring {
namespace {

using schema::MetricId;

class ReadManyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    coretest::SegmentSpec spec;
    spec.name = coretest::unique_segment_name("rm");
    spec.unavailable = {static_cast<std::uint16_t>(MetricId::mem_cached)};
    segment_ = coretest::make_segment(spec);
    segment_->put_scalar(id(MetricId::mem_total), 8000, 11);
    segment_->put_scalar(id(MetricId::mem_free), 1234, 12);
    segment_->put_scalar(id(MetricId::net_tcp_max_conn),
                         static_cast<std::uint64_t>(std::int64_t{-1}), 13);
    segment_->put_status(id(MetricId::mem_cached), layout::SlotStatus::kUnavailable, 14);
    segment_->go_live();
    client_ = std::make_unique<Client>(Client::open(coretest::open_options(spec.name)));
  }
  static std::uint16_t id(MetricId m) { return static_cast<std::uint16_t>(m); }

  std::unique_ptr<coretest::TestSegment> segment_;
  std::unique_ptr<Client> client_;
};

TEST_F(ReadManyTest, MatchesReadForEveryKindOfSlot) {
  const std::vector<MetricId> ids = {MetricId::mem_total,          MetricId::mem_cached,
                                     MetricId::net_tcp_max_conn,   MetricId::vm_pgfault,
                                     static_cast<MetricId>(60000), MetricId::mem_free};
  std::vector<Scalar> out(ids.size());
  std::vector<ReadStatus> status(ids.size());
  EXPECT_EQ(client_->read_many(ids, out, status), 3u);
  const std::vector<ReadStatus> expected = {ReadStatus::kOk,           ReadStatus::kUnavailable,
                                            ReadStatus::kOk,           ReadStatus::kEmpty,
                                            ReadStatus::kNoSuchMetric, ReadStatus::kOk};
  EXPECT_EQ(status, expected);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    Scalar one;
    EXPECT_EQ(client_->read(ids[i], one), status[i]) << i;
    if (status[i] == ReadStatus::kOk) {
      EXPECT_EQ(out[i].bits, one.bits) << i;
      EXPECT_EQ(out[i].read_time_ns, one.read_time_ns) << i;
      EXPECT_EQ(out[i].type, one.type) << i;
    }
  }
  EXPECT_EQ(out[0].bits, 8000u);
  EXPECT_EQ(out[2].as_i64(), -1);
  EXPECT_EQ(out[5].read_time_ns, 12u);
}

// All values of one read_many come from one publish: with the broker keeping
// mem.total = 2 * mem.free in every publish, no read mixes two.
TEST_F(ReadManyTest, ValuesComeFromOnePublish) {
  const auto publish = [&](std::uint64_t k) {
    segment_->values().put_scalar(segment_->cell(id(MetricId::mem_free)), schema::ValueType::U64,
                                  k);
    segment_->values().put_scalar(segment_->cell(id(MetricId::mem_total)), schema::ValueType::U64,
                                  2 * k);
    segment_->values().publish();
  };
  publish(1);  // before any read: the pair holds from the start
  std::atomic<bool> stop{false};
  std::thread broker([&] {
    for (std::uint64_t k = 2; !stop.load(std::memory_order_relaxed); ++k) publish(k);
  });
  const std::vector<MetricId> ids = {MetricId::mem_total, MetricId::mem_free};
  std::vector<Scalar> out(2);
  std::vector<ReadStatus> status(2);
  std::uint64_t reads = 0, mixed = 0;
  ValueSnapshot snapshot;
  const Descriptor& total = *client_->descriptor(MetricId::mem_total);
  const Descriptor& free = *client_->descriptor(MetricId::mem_free);
  // Until enough consistent reads came back: under TSan, against a writer that publishes back
  // to back, most reads are retried as busy (a fixed 300 ms once gave 96).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (reads < 500 && std::chrono::steady_clock::now() < deadline) {
    if (client_->read_many(ids, out, status) == 2) {
      ++reads;
      if (out[0].bits != 2 * out[1].bits) ++mixed;
    }
    if (client_->read_all(snapshot)) {
      Scalar t, f;
      ASSERT_EQ(snapshot.scalar(total, 0, t), ReadStatus::kOk);
      ASSERT_EQ(snapshot.scalar(free, 0, f), ReadStatus::kOk);
      if (t.bits != 2 * f.bits) ++mixed;
    }
  }
  stop.store(true);
  broker.join();
  EXPECT_GT(reads, 100u);
  EXPECT_EQ(mixed, 0u);
}

TEST_F(ReadManyTest, InstanceFamiliesAreNotScalars) {
  Scalar v;
  EXPECT_EQ(client_->read(MetricId::disk_read_bytes, v), ReadStatus::kNoSuchMetric)
      << "a family with a domain is read per instance (bind, read_family)";
  EXPECT_FALSE(client_->bind(MetricId::disk_read_bytes).has_value());
}

TEST_F(ReadManyTest, ShortestSpanBoundsTheRead) {
  const std::vector<MetricId> ids = {MetricId::mem_total, MetricId::mem_free};
  std::vector<Scalar> out(1);
  std::vector<ReadStatus> status(2, ReadStatus::kBusy);
  EXPECT_EQ(client_->read_many(ids, out, status), 1u);
  EXPECT_EQ(status[1], ReadStatus::kBusy) << "the second status was written past the outputs";
}

TEST_F(ReadManyTest, BoundMetricReadsTheSameSlot) {
  const auto bound = client_->bind(MetricId::mem_total);
  ASSERT_TRUE(bound.has_value());
  Scalar v;
  EXPECT_EQ(bound->read(v), ReadStatus::kOk);
  EXPECT_EQ(v.bits, 8000u);
  EXPECT_FALSE(client_->bind(static_cast<MetricId>(60000)).has_value());
}

}  // namespace
}  // namespace sysring
