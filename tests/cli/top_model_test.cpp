// build_model over made-up samples: CPU shares from tick deltas, rates per second from the
// broker's read times, IPC from counters, and no rate where the data does not allow one.
#include "top_model.hpp"

#include <gtest/gtest.h>

namespace sysring::cli {
namespace {

constexpr std::uint64_t kSecond = 1'000'000'000ULL;

CpuSample cpu(const char* name, CpuTicks ticks) {
  CpuSample s;
  s.name = name;
  s.ticks_ok = true;
  s.ticks = ticks;
  return s;
}

CounterSample::Entry counter(const char* event, std::uint64_t count, std::uint64_t time_ns) {
  CounterSample::Entry e;
  e.event = event;
  e.status = ReadStatus::kOk;
  e.totals = {count, time_ns, time_ns, time_ns};
  return e;
}

DiskSample disk(const char* name, std::uint64_t time_ns, std::uint64_t read_bytes,
                std::uint64_t write_bytes, std::uint64_t reads, std::uint64_t writes,
                std::optional<std::uint64_t> busy_ms) {
  DiskSample d;
  d.name = name;
  d.ok = true;
  d.read_time_ns = time_ns;
  d.read_bytes = read_bytes;
  d.write_bytes = write_bytes;
  d.reads = reads;
  d.writes = writes;
  d.io_time_ms = busy_ms;
  return d;
}

NetSample net(const char* name, std::uint64_t time_ns, std::uint64_t rx_bytes,
              std::uint64_t tx_bytes, std::uint64_t rx_packets, std::uint64_t tx_packets) {
  NetSample n;
  n.name = name;
  n.ok = true;
  n.read_time_ns = time_ns;
  n.rx_bytes = rx_bytes;
  n.tx_bytes = tx_bytes;
  n.rx_packets = rx_packets;
  n.tx_packets = tx_packets;
  return n;
}

TEST(TopModel, CpuSharesAreTickDeltasOverTheirTotal) {
  TopSample before, after;
  before.cpus.push_back(cpu("cpu0", {100, 10, 50, 800, 5, 1, 2, 0}));
  // +30 user, +10 nice, +20 system, +30 idle, +4 iowait, +2 irq, +2 softirq, +2 steal = 100.
  after.cpus.push_back(cpu("cpu0", {130, 20, 70, 830, 9, 3, 4, 2}));
  TopModel model;
  build_model(before, after, model);
  ASSERT_EQ(model.cpus.size(), 1U);
  const CpuUsage& u = model.cpus[0];
  EXPECT_TRUE(u.valid);
  EXPECT_EQ(u.name, "cpu0");
  EXPECT_DOUBLE_EQ(u.user, 0.30);
  EXPECT_DOUBLE_EQ(u.nice, 0.10);
  EXPECT_DOUBLE_EQ(u.system, 0.20);
  EXPECT_DOUBLE_EQ(u.iowait, 0.04);
  EXPECT_DOUBLE_EQ(u.irq, 0.02);
  EXPECT_DOUBLE_EQ(u.softirq, 0.02);
  EXPECT_DOUBLE_EQ(u.steal, 0.02);
  // iowait is idle time: not part of busy.
  EXPECT_NEAR(u.busy(), 0.66, 1e-12);
}

TEST(TopModel, CpusAreMatchedByNameNotPosition) {
  TopSample before, after;
  before.cpus.push_back(cpu("cpu0", {0, 0, 0, 0, 0, 0, 0, 0}));
  before.cpus.push_back(cpu("cpu1", {0, 0, 0, 0, 0, 0, 0, 0}));
  // cpu0 went offline: cpu1 is now first.
  after.cpus.push_back(cpu("cpu1", {50, 0, 0, 50, 0, 0, 0, 0}));
  TopModel model;
  build_model(before, after, model);
  ASSERT_EQ(model.cpus.size(), 1U);
  EXPECT_EQ(model.cpus[0].name, "cpu1");
  EXPECT_DOUBLE_EQ(model.cpus[0].user, 0.5);
}

TEST(TopModel, NoCpuShareWithoutTwoDifferentReads) {
  TopSample before, after;
  before.cpus.push_back(cpu("cpu0", {10, 0, 0, 10, 0, 0, 0, 0}));
  after.cpus.push_back(cpu("cpu0", {10, 0, 0, 10, 0, 0, 0, 0}));  // not read again
  after.cpus.push_back(cpu("cpu1", {10, 0, 0, 10, 0, 0, 0, 0}));  // new: no earlier sample
  TopModel model;
  build_model(before, after, model);
  ASSERT_EQ(model.cpus.size(), 2U);
  EXPECT_FALSE(model.cpus[0].valid);
  EXPECT_FALSE(model.cpus[1].valid);
  EXPECT_EQ(model.cpus[1].name, "cpu1");
}

TEST(TopModel, TicksGoingBackwardsGiveNoShare) {
  TopSample before, after;
  before.cpus.push_back(cpu("cpu0", {100, 0, 0, 100, 0, 0, 0, 0}));
  after.cpus.push_back(cpu("cpu0", {5, 0, 0, 300, 0, 0, 0, 0}));  // a new broker, a new count
  TopModel model;
  build_model(before, after, model);
  EXPECT_FALSE(model.cpus[0].valid);
}

TEST(TopModel, CpuNotReadOkGivesNoShare) {
  TopSample before, after;
  before.cpus.push_back(cpu("cpu0", {0, 0, 0, 0, 0, 0, 0, 0}));
  after.cpus.push_back(cpu("cpu0", {50, 0, 0, 50, 0, 0, 0, 0}));
  after.cpus[0].ticks_ok = false;
  TopModel model;
  build_model(before, after, model);
  EXPECT_FALSE(model.cpus[0].valid);
}

TEST(TopModel, DiskRatesDivideByTheBrokersReadInterval) {
  TopSample before, after;
  before.disks.push_back(disk("vda", 10 * kSecond, 1000, 5000, 10, 20, 100));
  after.disks.push_back(disk("vda", 12 * kSecond, 1000 + 4096, 5000 + 8192, 10 + 6, 20 + 8, 600));
  TopModel model;
  build_model(before, after, model);
  ASSERT_EQ(model.disks.size(), 1U);
  const DiskRates& d = model.disks[0];
  EXPECT_TRUE(d.valid);
  EXPECT_DOUBLE_EQ(d.read_bytes_per_s, 2048);
  EXPECT_DOUBLE_EQ(d.write_bytes_per_s, 4096);
  EXPECT_DOUBLE_EQ(d.reads_per_s, 3);
  EXPECT_DOUBLE_EQ(d.writes_per_s, 4);
  ASSERT_TRUE(d.utilisation.has_value());
  EXPECT_DOUBLE_EQ(*d.utilisation, 0.25);  // 500 ms busy in 2 s
}

TEST(TopModel, DiskUtilisationIsCappedAndOptional) {
  TopSample before, after;
  before.disks.push_back(disk("vda", kSecond, 0, 0, 0, 0, 0));
  before.disks.push_back(disk("vdb", kSecond, 0, 0, 0, 0, std::nullopt));
  // Busy time is counted in whole milliseconds at its own moments: it can exceed the interval.
  after.disks.push_back(disk("vda", 2 * kSecond, 0, 0, 0, 0, 1010));
  after.disks.push_back(disk("vdb", 2 * kSecond, 0, 0, 0, 0, std::nullopt));
  TopModel model;
  build_model(before, after, model);
  ASSERT_TRUE(model.disks[0].utilisation.has_value());
  EXPECT_DOUBLE_EQ(*model.disks[0].utilisation, 1.0);
  EXPECT_TRUE(model.disks[1].valid);
  EXPECT_FALSE(model.disks[1].utilisation.has_value());
}

TEST(TopModel, DiskWithoutANewReadOrNewOrResetHasNoRates) {
  TopSample before, after;
  before.disks.push_back(disk("vda", kSecond, 100, 100, 1, 1, 1));
  before.disks.push_back(disk("vdb", kSecond, 100, 100, 1, 1, 1));
  after.disks.push_back(disk("vda", kSecond, 200, 200, 2, 2, 2));      // same read time
  after.disks.push_back(disk("vdb", 2 * kSecond, 50, 200, 2, 2, 2));   // went backwards
  after.disks.push_back(disk("vdc", 2 * kSecond, 100, 100, 1, 1, 1));  // appeared
  TopModel model;
  build_model(before, after, model);
  ASSERT_EQ(model.disks.size(), 3U);
  for (const DiskRates& d : model.disks) {
    EXPECT_FALSE(d.valid) << d.name;
    EXPECT_FALSE(d.utilisation.has_value()) << d.name;
  }
  EXPECT_EQ(model.disks[2].name, "vdc");
}

TEST(TopModel, NetRatesPerSecond) {
  TopSample before, after;
  before.nets.push_back(net("eth0", kSecond, 1000, 2000, 10, 20));
  after.nets.push_back(net("eth0", kSecond + kSecond / 2, 1500, 3000, 15, 30));
  TopModel model;
  build_model(before, after, model);
  ASSERT_EQ(model.nets.size(), 1U);
  const NetRates& n = model.nets[0];
  EXPECT_TRUE(n.valid);
  EXPECT_DOUBLE_EQ(n.rx_bytes_per_s, 1000);
  EXPECT_DOUBLE_EQ(n.tx_bytes_per_s, 2000);
  EXPECT_DOUBLE_EQ(n.rx_packets_per_s, 10);
  EXPECT_DOUBLE_EQ(n.tx_packets_per_s, 20);
}

TEST(TopModel, NetNotReadOkHasNoRates) {
  TopSample before, after;
  before.nets.push_back(net("eth0", kSecond, 0, 0, 0, 0));
  after.nets.push_back(net("eth0", 2 * kSecond, 10, 10, 1, 1));
  after.nets[0].ok = false;
  TopModel model;
  build_model(before, after, model);
  EXPECT_FALSE(model.nets[0].valid);
}

TEST(TopModel, IpcFromInstructionsAndCycles) {
  TopSample before, after;
  before.cpus.push_back(cpu("cpu0", {}));
  after.cpus.push_back(cpu("cpu0", {}));
  before.cpus[0].counters = {counter("cycles", 1000, kSecond),
                             counter("instructions", 500, kSecond)};
  after.cpus[0].counters = {counter("cycles", 1000 + 2'000'000, 2 * kSecond),
                            counter("instructions", 500 + 3'000'000, 2 * kSecond)};
  TopModel model;
  build_model(before, after, model);
  ASSERT_EQ(model.counters.size(), 1U);
  const CpuCounterRates& c = model.counters[0];
  EXPECT_EQ(c.name, "cpu0");
  ASSERT_TRUE(c.ipc.has_value());
  EXPECT_DOUBLE_EQ(*c.ipc, 1.5);
  ASSERT_EQ(c.changes.size(), 2U);
  EXPECT_EQ(c.changes[0].event, "cycles");
  EXPECT_DOUBLE_EQ(c.changes[0].per_second, 2'000'000);
}

TEST(TopModel, SoftwareCountersGiveRatesButNoIpc) {
  TopSample before, after;
  before.cpus.push_back(cpu("cpu0", {}));
  after.cpus.push_back(cpu("cpu0", {}));
  before.cpus[0].counters = {counter("context_switches", 100, kSecond)};
  after.cpus[0].counters = {counter("context_switches", 400, 3 * kSecond)};
  TopModel model;
  build_model(before, after, model);
  ASSERT_EQ(model.counters.size(), 1U);
  EXPECT_FALSE(model.counters[0].ipc.has_value());
  ASSERT_EQ(model.counters[0].changes.size(), 1U);
  EXPECT_DOUBLE_EQ(model.counters[0].changes[0].per_second, 150);
}

TEST(TopModel, NoCounterRowsWithoutPerCpuCounters) {
  TopSample before, after;
  before.cpus.push_back(cpu("cpu0", {}));
  after.cpus.push_back(cpu("cpu0", {}));
  TopModel model;
  build_model(before, after, model);
  EXPECT_TRUE(model.counters.empty());
}

TEST(TopModel, LevelsAreTheLaterSamples) {
  TopSample before, after;
  before.memory.total = 1;
  after.memory = {1000, 250, 0, 0};
  after.load.avg1 = 1.5;
  after.load.tasks = 99;
  after.pressure.io_some = 2.5;
  TopModel model;
  build_model(before, after, model);
  EXPECT_EQ(model.memory.total, 1000U);
  EXPECT_EQ(model.memory.available, 250U);
  EXPECT_EQ(model.load.avg1, 1.5);
  EXPECT_EQ(model.load.tasks, 99U);
  EXPECT_EQ(model.pressure.io_some, 2.5);
  EXPECT_FALSE(model.pressure.cpu_some.has_value());
}

TEST(TopModel, ReusedModelFollowsTheLatestInstances) {
  TopSample before, after;
  before.cpus = {cpu("cpu0", {}), cpu("cpu1", {})};
  after.cpus = {cpu("cpu0", {}), cpu("cpu1", {})};
  before.disks.push_back(disk("vda", kSecond, 0, 0, 0, 0, 0));
  after.disks.push_back(disk("vda", 2 * kSecond, 0, 0, 0, 0, 0));
  TopModel model;
  build_model(before, after, model);
  after.cpus.pop_back();
  after.disks.clear();
  build_model(before, after, model);
  EXPECT_EQ(model.cpus.size(), 1U);
  EXPECT_TRUE(model.disks.empty());
}

}  // namespace
}  // namespace sysring::cli

namespace sysring::cli {
namespace {

TEST(TopModelKeep, InstancesNotReadAgainKeepWhatWasShown) {
  // A read period longer than the tick: the second look holds the same broker read.
  TopSample first, second, third;
  first.cpus.push_back(cpu("cpu0", {0, 0, 0, 0, 0, 0, 0, 0}));
  first.cpus[0].read_time_ns = kSecond;
  second.cpus.push_back(cpu("cpu0", {25, 0, 0, 75, 0, 0, 0, 0}));
  second.cpus[0].read_time_ns = 2 * kSecond;
  third.cpus = second.cpus;
  first.disks.push_back(disk("vda", kSecond, 0, 0, 0, 0, 0));
  second.disks.push_back(disk("vda", 2 * kSecond, 1000, 0, 0, 0, 0));
  third.disks = second.disks;
  first.nets.push_back(net("eth0", kSecond, 0, 0, 0, 0));
  second.nets.push_back(net("eth0", 2 * kSecond, 0, 500, 0, 0));
  third.nets = second.nets;
  TopModel model;
  build_model(first, second, model);
  build_model(second, third, model);
  EXPECT_TRUE(model.cpus[0].valid);
  EXPECT_DOUBLE_EQ(model.cpus[0].user, 0.25);
  EXPECT_TRUE(model.disks[0].valid);
  EXPECT_DOUBLE_EQ(model.disks[0].read_bytes_per_s, 1000);
  EXPECT_TRUE(model.nets[0].valid);
  EXPECT_DOUBLE_EQ(model.nets[0].tx_bytes_per_s, 500);
}

TEST(TopModelKeep, CountersNotReadAgainKeepTheirRates) {
  TopSample first, second, third;
  first.cpus.push_back(cpu("cpu0", {}));
  first.cpus[0].counters = {counter("context_switches", 0, kSecond)};
  second.cpus.push_back(cpu("cpu0", {}));
  second.cpus[0].counters = {counter("context_switches", 200, 2 * kSecond)};
  third.cpus = second.cpus;
  TopModel model;
  build_model(first, second, model);
  build_model(second, third, model);
  ASSERT_EQ(model.counters.size(), 1U);
  ASSERT_EQ(model.counters[0].changes.size(), 1U);
  EXPECT_DOUBLE_EQ(model.counters[0].changes[0].per_second, 200);
}

TEST(TopModelKeep, NothingKeptForAnInstanceSeenForTheFirstTime) {
  TopSample first, second;
  first.disks.push_back(disk("vda", kSecond, 0, 0, 0, 0, 0));
  second.disks.push_back(disk("vda", kSecond, 0, 0, 0, 0, 0));
  TopModel model;  // nothing shown before
  build_model(first, second, model);
  EXPECT_FALSE(model.disks[0].valid);
}

TEST(TopModelKeep, FirstLookKeepsNothingShownBefore) {
  // What the last broker showed, then the first look at a new one holding the same names.
  TopSample first, second;
  first.cpus.push_back(cpu("cpu0", {0, 0, 0, 0, 0, 0, 0, 0}));
  first.cpus[0].read_time_ns = kSecond;
  second.cpus.push_back(cpu("cpu0", {50, 0, 0, 50, 0, 0, 0, 0}));
  second.cpus[0].read_time_ns = 2 * kSecond;
  first.disks.push_back(disk("vda", kSecond, 0, 0, 0, 0, 0));
  second.disks.push_back(disk("vda", 2 * kSecond, 100, 0, 0, 0, 0));
  TopModel model;
  build_model(first, second, model);
  ASSERT_TRUE(model.cpus[0].valid);
  ASSERT_TRUE(model.disks[0].valid);
  build_first_model(second, model);
  ASSERT_EQ(model.cpus.size(), 1U);
  EXPECT_FALSE(model.cpus[0].valid);
  ASSERT_EQ(model.disks.size(), 1U);
  EXPECT_FALSE(model.disks[0].valid);
  EXPECT_EQ(model.disks[0].name, "vda");
}

}  // namespace
}  // namespace sysring::cli
