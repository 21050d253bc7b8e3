// CounterSources over a scripted backend: the pmc.all.* scalars and the pmc.* families of the cpu
// domain, availability reasons, sums, one backend read per tick, and totals that never go back
// across CPU hotplug.
#include "counters/counter_sources.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
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

// What the per-CPU view reports in one refresh: the cpu domain's instances are "cpu0", "cpu1"
// (rows 0 and 1) unless taken offline here.
class CpuSink final : public broker::InstanceSink {
 public:
  std::uint32_t present(std::string_view, std::span<const broker::LabelView>) override {
    ADD_FAILURE() << "the counters do not own the cpu domain";
    return broker::kNoRow;
  }
  [[nodiscard]] std::uint32_t find(std::string_view name) const override {
    for (std::uint32_t cpu = 0; cpu < 2; ++cpu) {
      if (name == "cpu" + std::to_string(cpu) && online[cpu]) return cpu;
    }
    return broker::kNoRow;
  }
  void value(std::uint16_t family, std::uint32_t row, const Reading& r) override {
    values[{family, row}] = r;
  }
  [[nodiscard]] bool wants(std::uint16_t) const override { return true; }
  bool online[2] = {true, true};
  std::map<std::pair<std::uint16_t, std::uint32_t>, Reading> values;
};

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
    auto views = broker::counters::make_counter_sources(entries_, CounterSetup{std::move(backend)});
    sources_ = std::move(views.totals);
    per_cpu_ = std::move(views.per_cpu);
  }

  Reading read_in_new_tick(MetricId id) {
    sources_->begin_tick();
    return sources_->read(u16(id));
  }
  // One family of one CPU, as the tick loop gets it: a new tick, a refresh of the per-CPU view.
  Reading read_cpu_in_new_tick(MetricId family, std::uint32_t cpu) {
    sources_->begin_tick();
    sink_.values.clear();
    per_cpu_->refresh(sink_);
    const auto it = sink_.values.find({u16(family), cpu});
    return it == sink_.values.end() ? Reading{SlotStatus::kEmpty} : it->second;
  }

  std::vector<registry::RegistryEntry> entries_;
  FakeBackend* fake_ = nullptr;
  std::unique_ptr<broker::MetricSources> sources_;
  std::unique_ptr<broker::InstanceSource> per_cpu_;
  CpuSink sink_;
};

TEST_F(CounterSourcesTest, RowsOfBoundEventsAreAvailableWithTheirBinding) {
  EXPECT_EQ(per_cpu_->domain(), InstanceDomain::Cpu);
  EXPECT_FALSE(per_cpu_->owns_domain()) << "per-CPU /proc/stat decides which CPUs exist";
  const auto& a = per_cpu_->availability(u16(MetricId::pmc_custom0));
  EXPECT_TRUE(a.available);
  EXPECT_EQ(a.detail, "INST_RETIRED.ANY: perf raw 0xc0");
  EXPECT_TRUE(sources_->availability(u16(MetricId::pmc_all_context_switches)).available);
  EXPECT_TRUE(per_cpu_->availability(u16(MetricId::pmc_context_switches)).available);
}

TEST_F(CounterSourcesTest, UncountedEventsSayWhy) {
  const auto& cycles = sources_->availability(u16(MetricId::pmc_all_cycles));
  EXPECT_FALSE(cycles.available);
  EXPECT_EQ(cycles.reason, "not counted this run (fake: scripted counters)");
  EXPECT_EQ(per_cpu_->availability(u16(MetricId::pmc_cycles)).reason, cycles.reason);
  EXPECT_FALSE(sources_->availability(u16(MetricId::mem_total)).available) << "not a pmc row";
  EXPECT_EQ(read_in_new_tick(MetricId::pmc_all_cycles).status, SlotStatus::kUnavailable);
  EXPECT_EQ(read_cpu_in_new_tick(MetricId::pmc_cycles, 0).status, SlotStatus::kEmpty)
      << "an uncounted family gets no value at all";
}

TEST_F(CounterSourcesTest, EveryCpuInstanceGetsItsValuesWhateverItsNumber) {
  // No cap on CPU numbers: the families follow the cpu domain's instances.
  fake_->set(0, 0, 7, 10, 10);
  fake_->set(1, 0, 9, 10, 10);
  EXPECT_EQ(read_cpu_in_new_tick(MetricId::pmc_context_switches, 0).bits, 7u);
  EXPECT_EQ(sink_.values.at({u16(MetricId::pmc_context_switches), 1}).bits, 9u);
  EXPECT_EQ(sink_.values.size(), 4u) << "2 events x 2 CPUs";
}

TEST_F(CounterSourcesTest, WithoutABackendEveryRowCarriesTheSetUpReason) {
  const auto views = broker::counters::make_counter_sources(
      entries_, CounterSetup{nullptr, "perf_event_open: no CAP_PERFMON"});
  for (const auto& e : entries_) {
    const auto& a = e.domain == InstanceDomain::None ? views.totals->availability(e.id)
                                                     : views.per_cpu->availability(e.id);
    ASSERT_FALSE(a.available) << e.name;
    ASSERT_EQ(a.reason, "perf_event_open: no CAP_PERFMON") << e.name;
  }
}

TEST_F(CounterSourcesTest, PerCpuRowsCarryTheTripleAndSumsAddEveryField) {
  fake_->set(0, 0, 100, 1000, 1000);
  fake_->set(1, 0, 50, 1000, 500);
  const Reading cpu1 = read_cpu_in_new_tick(MetricId::pmc_context_switches, 1);
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
  per_cpu_->refresh(sink_);
  EXPECT_EQ(fake_->reads, 2) << "the per-CPU view shares the tick's read";
}

TEST_F(CounterSourcesTest, AnOfflineCpuIsUnavailableAndKeepsItsLastTotalsInTheSum) {
  fake_->set(0, 0, 100, 1000, 1000);
  fake_->set(1, 0, 40, 1000, 1000);
  ASSERT_EQ(read_in_new_tick(MetricId::pmc_all_context_switches).bits, 140u);
  fake_->set_online(1, false);
  fake_->set(0, 0, 130, 2000, 2000);
  EXPECT_EQ(read_cpu_in_new_tick(MetricId::pmc_context_switches, 1).status,
            SlotStatus::kUnavailable);
  const Reading all = sources_->read(u16(MetricId::pmc_all_context_switches));
  ASSERT_EQ(all.status, SlotStatus::kOk);
  EXPECT_EQ(all.bits, 170u) << "CPU 1 stays at 40 while offline";
}

TEST_F(CounterSourcesTest, AReopenedCounterContinuesFromWhereTheOldOneStopped) {
  fake_->set(1, 0, 40, 1000, 1000);
  ASSERT_EQ(read_cpu_in_new_tick(MetricId::pmc_context_switches, 1).bits, 40u);
  fake_->set_online(1, false);
  (void)read_cpu_in_new_tick(MetricId::pmc_context_switches, 1);
  // Back online with a fresh kernel counter: its times start again from zero.
  fake_->set_online(1, true);
  fake_->set(1, 0, 5, 100, 100);
  const Reading r = read_cpu_in_new_tick(MetricId::pmc_context_switches, 1);
  ASSERT_EQ(r.status, SlotStatus::kOk);
  EXPECT_EQ(r.bits, 45u);
  EXPECT_EQ(r.time_enabled_ns, 1100u);
  EXPECT_EQ(r.time_running_ns, 1100u);
  fake_->set(1, 0, 9, 200, 200);
  EXPECT_EQ(read_cpu_in_new_tick(MetricId::pmc_context_switches, 1).bits, 49u);
}

// KPC's enabled time is a clock since start that keeps running: a counter that restarts from
// zero shows only in its count.
TEST_F(CounterSourcesTest, ACountThatRestartsFromZeroIsFoldedInEvenIfTimeRunsOn) {
  fake_->set(0, 0, 500, 1000, 1000);
  ASSERT_EQ(read_cpu_in_new_tick(MetricId::pmc_context_switches, 0).bits, 500u);
  fake_->set(0, 0, 20, 2000, 2000);
  const Reading r = read_cpu_in_new_tick(MetricId::pmc_context_switches, 0);
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
