// CounterSources over a scripted backend: routing of pmc.* rows, availability reasons, sums,
// one backend read per tick, and totals that never go back across CPU hotplug.
#include "counters/counter_sources.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "fake_backend.hpp"
#include "metric_id_generated.h"
#include "sysring/registry_data.hpp"

namespace sysring {
namespace {

using broker::Reading;
using broker::counters::BoundEvent;
using broker::counters::CounterSetup;
using countertest::FakeBackend;
using layout::SlotStatus;
using schema::MetricId;

std::uint16_t u16(MetricId id) {
  return static_cast<std::uint16_t>(id);
}

std::vector<registry::RegistryEntry> counter_rows() {
  std::vector<registry::RegistryEntry> out;
  for (const auto& e : registry::kEntries) {
    if (e.platform == "counters") out.push_back(e);
  }
  return out;
}

// Two events (context switches, custom0) on a 2-CPU machine.
class CounterSourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto backend = std::make_unique<FakeBackend>(
        std::vector<BoundEvent>{{"context_switches", "context-switches", "perf software 0x3"},
                                {"custom0", "INST_RETIRED.ANY", "perf raw 0xc0"}},
        2);
    fake_ = backend.get();
    entries_ = counter_rows();
    sources_ = broker::counters::make_counter_sources(entries_, CounterSetup{std::move(backend)});
  }

  Reading read_in_new_tick(MetricId id) {
    sources_->begin_tick();
    return sources_->read(u16(id));
  }

  std::vector<registry::RegistryEntry> entries_;
  FakeBackend* fake_ = nullptr;
  std::unique_ptr<broker::MetricSources> sources_;
};

TEST_F(CounterSourcesTest, RowsOfBoundEventsOnExistingCpusAreAvailableWithTheirBinding) {
  const auto& a = sources_->availability(u16(MetricId::pmc_cpu1_custom0));
  EXPECT_TRUE(a.available);
  EXPECT_EQ(a.detail, "INST_RETIRED.ANY: perf raw 0xc0");
  EXPECT_TRUE(sources_->availability(u16(MetricId::pmc_all_context_switches)).available);
  EXPECT_TRUE(sources_->availability(u16(MetricId::pmc_cpu0_context_switches)).available);
}

TEST_F(CounterSourcesTest, UncountedEventsAndMissingCpusSayWhy) {
  const auto& cycles = sources_->availability(u16(MetricId::pmc_all_cycles));
  EXPECT_FALSE(cycles.available);
  EXPECT_EQ(cycles.reason, "not counted this run (fake: scripted counters)");
  const auto& cpu2 = sources_->availability(u16(MetricId::pmc_cpu2_context_switches));
  EXPECT_FALSE(cpu2.available);
  EXPECT_EQ(cpu2.reason, "no CPU 2 here (2 possible CPUs)");
  EXPECT_FALSE(sources_->availability(u16(MetricId::mem_total)).available) << "not a pmc row";
  EXPECT_EQ(read_in_new_tick(MetricId::pmc_all_cycles).status, SlotStatus::kUnavailable);
}

TEST_F(CounterSourcesTest, WithoutABackendEveryRowCarriesTheSetUpReason) {
  const auto sources = broker::counters::make_counter_sources(
      entries_, CounterSetup{nullptr, "perf_event_open: no CAP_PERFMON"});
  for (const auto& e : entries_) {
    const auto& a = sources->availability(e.id);
    ASSERT_FALSE(a.available) << e.name;
    ASSERT_EQ(a.reason, "perf_event_open: no CAP_PERFMON") << e.name;
  }
}

TEST_F(CounterSourcesTest, PerCpuRowsCarryTheTripleAndSumsAddEveryField) {
  fake_->set(0, 0, 100, 1000, 1000);
  fake_->set(1, 0, 50, 1000, 500);
  const Reading cpu1 = read_in_new_tick(MetricId::pmc_cpu1_context_switches);
  ASSERT_EQ(cpu1.status, SlotStatus::kOk);
  EXPECT_EQ(cpu1.bits, 50u);
  EXPECT_EQ(cpu1.time_enabled_ns, 1000u);
  EXPECT_EQ(cpu1.time_running_ns, 500u);
  const Reading all = sources_->read(u16(MetricId::pmc_all_context_switches));
  ASSERT_EQ(all.status, SlotStatus::kOk);
  EXPECT_EQ(all.bits, 150u);
  EXPECT_EQ(all.time_enabled_ns, 2000u);
  EXPECT_EQ(all.time_running_ns, 1500u);
}

TEST_F(CounterSourcesTest, TheBackendIsReadOncePerTickWhateverTheRowCount) {
  sources_->begin_tick();
  for (const auto& e : entries_) (void)sources_->read(e.id);
  EXPECT_EQ(fake_->reads, 1);
  sources_->begin_tick();
  (void)sources_->read(u16(MetricId::pmc_all_custom0));
  (void)sources_->read(u16(MetricId::pmc_cpu0_custom0));
  EXPECT_EQ(fake_->reads, 2);
}

TEST_F(CounterSourcesTest, AnOfflineCpuIsUnavailableAndKeepsItsLastTotalsInTheSum) {
  fake_->set(0, 0, 100, 1000, 1000);
  fake_->set(1, 0, 40, 1000, 1000);
  ASSERT_EQ(read_in_new_tick(MetricId::pmc_all_context_switches).bits, 140u);
  fake_->set_online(1, false);
  fake_->set(0, 0, 130, 2000, 2000);
  EXPECT_EQ(read_in_new_tick(MetricId::pmc_cpu1_context_switches).status, SlotStatus::kUnavailable);
  const Reading all = sources_->read(u16(MetricId::pmc_all_context_switches));
  ASSERT_EQ(all.status, SlotStatus::kOk);
  EXPECT_EQ(all.bits, 170u) << "CPU 1 stays at 40 while offline";
}

TEST_F(CounterSourcesTest, AReopenedCounterContinuesFromWhereTheOldOneStopped) {
  fake_->set(1, 0, 40, 1000, 1000);
  ASSERT_EQ(read_in_new_tick(MetricId::pmc_cpu1_context_switches).bits, 40u);
  fake_->set_online(1, false);
  (void)read_in_new_tick(MetricId::pmc_cpu1_context_switches);
  // Back online with a fresh kernel counter: its times start again from zero.
  fake_->set_online(1, true);
  fake_->set(1, 0, 5, 100, 100);
  const Reading r = read_in_new_tick(MetricId::pmc_cpu1_context_switches);
  ASSERT_EQ(r.status, SlotStatus::kOk);
  EXPECT_EQ(r.bits, 45u);
  EXPECT_EQ(r.time_enabled_ns, 1100u);
  EXPECT_EQ(r.time_running_ns, 1100u);
  fake_->set(1, 0, 9, 200, 200);
  EXPECT_EQ(read_in_new_tick(MetricId::pmc_cpu1_context_switches).bits, 49u);
}

// KPC's enabled time is a clock since start that keeps running: a counter that restarts from
// zero shows only in its count.
TEST_F(CounterSourcesTest, ACountThatRestartsFromZeroIsFoldedInEvenIfTimeRunsOn) {
  fake_->set(0, 0, 500, 1000, 1000);
  ASSERT_EQ(read_in_new_tick(MetricId::pmc_cpu0_context_switches).bits, 500u);
  fake_->set(0, 0, 20, 2000, 2000);
  const Reading r = read_in_new_tick(MetricId::pmc_cpu0_context_switches);
  EXPECT_EQ(r.bits, 520u);
  EXPECT_GE(read_in_new_tick(MetricId::pmc_all_context_switches).bits, 520u);
}

TEST_F(CounterSourcesTest, WithEveryCpuOfflineTheSumIsUnavailableNotZero) {
  fake_->set_online(0, false);
  fake_->set_online(1, false);
  EXPECT_EQ(read_in_new_tick(MetricId::pmc_all_context_switches).status, SlotStatus::kUnavailable);
}

}  // namespace
}  // namespace sysring
