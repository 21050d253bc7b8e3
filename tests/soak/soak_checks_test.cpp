// The soak's own checks can fail: each kind of bad value and each kind of lost batch is caught.
#include <gtest/gtest.h>

#include "loss_proof.hpp"
#include "soak_encoding.hpp"
#include "value_audit.hpp"

namespace sysring::soak {
namespace {

std::uint64_t cpu_value(std::uint32_t cpu, std::uint32_t field, std::uint64_t k) {
  return (1000 + 10 * cpu + field) * kCpuCounterSpan + k;
}

TEST(ValueAudit, AcceptsGoodValuesAndCountsThem) {
  Tally t;
  ValueAudit audit(t);
  audit.cpu_time("cpu2", 3, 7, 100, cpu_value(2, 3, 5));
  audit.cpu_time("cpu2", 3, 7, 100, cpu_value(2, 3, 5));  // the same publish again
  audit.cpu_time("cpu2", 3, 7, 200, cpu_value(2, 3, 6));
  audit.fs_value("/tmp/x/soak-m1", true, mount_size_bytes(1));
  audit.fs_value("/", true, 12345);  // not a soak mount: not checked
  audit.netif_mtu("sv2b", 1301);
  EXPECT_EQ(t.reads, 5u);
  EXPECT_EQ(t.torn + t.wrong_instance + t.backwards, 0u);
  EXPECT_TRUE(t.first_problem.empty());
}

TEST(ValueAudit, CatchesAnotherInstancesOrFieldsValue) {
  Tally t;
  ValueAudit audit(t);
  audit.cpu_time("cpu2", 3, 7, 100, cpu_value(3, 3, 5));  // cpu3's
  audit.cpu_time("cpu2", 3, 7, 100, cpu_value(2, 4, 5));  // another field
  audit.cpu_time("cpu2", 3, 7, 100, 42);                  // no encoding at all
  audit.fs_value("/tmp/x/soak-m1", false, mount_files(2));
  audit.netif_mtu("sv0a", 1281);  // sv0b's
  EXPECT_EQ(t.wrong_instance, 5u);
  EXPECT_NE(t.first_problem.find("cpu2 field 3"), std::string::npos) << t.first_problem;
}

TEST(ValueAudit, CatchesTornAndBackwardsReads) {
  Tally t;
  ValueAudit audit(t);
  audit.cpu_time("cpu1", 0, 9, 200, cpu_value(1, 0, 6));
  audit.cpu_time("cpu1", 0, 9, 200, cpu_value(1, 0, 7));  // same publish, another value
  audit.cpu_time("cpu1", 0, 9, 100, cpu_value(1, 0, 6));  // publish time went back
  EXPECT_EQ(t.torn, 2u);
  audit.cpu_time("cpu1", 0, 9, 300, cpu_value(1, 0, 5));  // later publish, smaller counter
  EXPECT_EQ(t.backwards, 1u);
  audit.same_publish("cpu1", 5, 6);
  EXPECT_EQ(t.torn, 3u);
  // A new registration or a new broker starts afresh.
  audit.cpu_time("cpu1", 0, 10, 50, cpu_value(1, 0, 1));
  audit.new_epoch(77);
  audit.cpu_time("cpu1", 0, 9, 50, cpu_value(1, 0, 1));
  EXPECT_EQ(t.torn, 3u);
  EXPECT_EQ(t.backwards, 1u);
}

Batch ring(std::uint64_t position) {
  Batch b;
  b.position = position;
  return b;
}

Batch snapshot(std::uint64_t head, std::uint64_t lost) {
  Batch b;
  b.position = head;
  b.from_value_table = true;
  b.full_snapshot = true;
  b.lost_batches = lost;
  return b;
}

TEST(LossProof, ALapIsProvenByTheNextRingPosition) {
  LossProof p;
  p.batch(snapshot(10, 0), 1, false);
  p.batch(ring(10), 1, false);
  p.batch(ring(11), 1, false);
  p.batch(snapshot(20, 8), 1, true);  // positions 12..19 lost
  p.batch(ring(20), 1, false);
  EXPECT_EQ(p.reported(), 8u);
  EXPECT_EQ(p.proven(), 8u);
  EXPECT_EQ(p.laps(), 1u);
  EXPECT_EQ(p.silent_gaps(), 0u);
}

TEST(LossProof, AMiscountedLapAndASilentGapDisagree) {
  LossProof p;
  p.batch(snapshot(0, 0), 1, false);
  p.batch(ring(0), 1, false);
  p.batch(snapshot(9, 5), 1, true);  // 8 positions skipped (1..8), 5 reported
  p.batch(ring(9), 1, false);
  EXPECT_EQ(p.reported(), 5u);
  EXPECT_EQ(p.proven(), 8u);
  p.batch(ring(12), 1, false);  // 10 and 11 vanished without a lap
  EXPECT_EQ(p.proven(), 10u);
  EXPECT_EQ(p.silent_gaps(), 1u);
}

TEST(LossProof, ANewBrokerLosesNothing) {
  LossProof p;
  p.batch(snapshot(0, 0), 1, false);
  p.batch(ring(0), 1, false);
  p.batch(snapshot(3, 0), 2, false);  // re-attached: another ring
  p.batch(ring(3), 2, false);
  EXPECT_EQ(p.proven(), 0u);
  EXPECT_EQ(p.reported(), 0u);
}

}  // namespace
}  // namespace sysring::soak
