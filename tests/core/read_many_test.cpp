// Client::read_many and BoundMetric must return exactly what Client::read returns, slot by slot,
// including the statuses a bulk reader could be tempted to paper over.
#include <gtest/gtest.h>

#include <vector>

#include "core_support.hpp"
#include "segment/value_table_writer.hpp"
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
    broker::write_scalar(segment_->slot(id(MetricId::mem_total)), schema::ValueType::U64, 8000, 11);
    broker::write_scalar(segment_->slot(id(MetricId::mem_free)), schema::ValueType::U64, 1234, 12);
    broker::write_scalar(segment_->slot(id(MetricId::net_tcp_max_conn)), schema::ValueType::I64,
                         static_cast<std::uint64_t>(std::int64_t{-1}), 13);
    broker::write_status(segment_->slot(id(MetricId::mem_cached)), layout::SlotStatus::kUnavailable,
                         schema::ValueType::U64, 14);
    segment_->go_live();
    client_ = std::make_unique<Client>(Client::open(coretest::open_options(spec.name)));
  }
  static std::uint16_t id(MetricId m) { return static_cast<std::uint16_t>(m); }

  std::unique_ptr<broker::SegmentWriter> segment_;
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

TEST_F(ReadManyTest, ABusySlotIsReportedBusyAndTheOthersStillRead) {
  // The broker is preempted in the middle of rewriting mem.free.
  layout::Word& seq = segment_->slot(id(MetricId::mem_free)).seq;
  const std::uint64_t s = seqlock::write_begin(seq);
  const std::vector<MetricId> ids = {MetricId::mem_total, MetricId::mem_free};
  std::vector<Scalar> out(2);
  std::vector<ReadStatus> status(2);
  EXPECT_EQ(client_->read_many(ids, out, status), 1u);
  EXPECT_EQ(status[0], ReadStatus::kOk);
  EXPECT_EQ(status[1], ReadStatus::kBusy);
  seqlock::write_end(seq, s);
  EXPECT_EQ(client_->read_many(ids, out, status), 2u);
  EXPECT_EQ(out[1].bits, 1234u);
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
