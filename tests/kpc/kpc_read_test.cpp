// read() against the KPC test double (not Apple's framework): every event's value comes from
// its counter-map position in each CPU's slice; offline CPUs and failed reads are unavailable.
#include <chrono>
#include <thread>
#include <vector>

#include "counters/counter_events.hpp"
#include "kpc_test_support.hpp"

namespace sysring::broker::counters::kpc {
namespace {

using testing::double_options;
using ::testing::HasSubstr;
using testing::KpcTest;

// The double's unscripted running total of PMC `pmc` on CPU `cpu`.
std::uint64_t expected(std::uint32_t cpu, int pmc) {
  return (cpu + 1) * 1000ull + static_cast<std::uint64_t>(pmc) + 1;
}

TEST_F(KpcTest, DefaultEventsAreTheNamedHardwareSet) {
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  const auto events = setup.backend->events();
  ASSERT_EQ(events.size(), kDefaultHardwareEvents.size());
  const char* slots[] = {"cycles",        "instructions",     "branches",
                         "branch_misses", "cache_references", "cache_misses"};
  const char* names[] = {"FIXED_CYCLES",           "FIXED_INSTRUCTIONS", "INST_BRANCH",
                         "BRANCH_MISPRED_NONSPEC", "INST_LDST",          "L1D_CACHE_MISS_LD"};
  for (std::size_t k = 0; k < events.size(); ++k) {
    EXPECT_EQ(events[k].slot, slots[k]);
    EXPECT_EQ(events[k].event_name, names[k]);
  }
  EXPECT_EQ(events[0].binding, "kpc fixed counter, index 0 of 10 per CPU, classes 0x3");
  EXPECT_EQ(events[2].binding, "kpc configurable counter, index 5 of 10 per CPU, classes 0x3");
  EXPECT_EQ(setup.backend->summary(),
            "KPC: cpu_100000c_2_da33d83d (kpep db a15), 2 fixed + 4 configurable counters");
  EXPECT_EQ(setup.backend->cpu_count(), 4u);
}

TEST_F(KpcTest, ValuesLandInTheirEventSlotOnEveryCpu) {
  kpcdouble_set_cpus(6);
  const CounterSetup setup = make_kpc_counters(double_options({}, 6));
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  const int branch_pmc = kpcdouble_pmc_of("INST_BRANCH");
  ASSERT_EQ(branch_pmc, 5);
  kpcdouble_set_counter(3, 5, 123456789012345ull);  // one value that stands out

  std::vector<CpuCounters> out(6);
  setup.backend->read(out);
  const auto events = setup.backend->events();
  for (std::uint32_t cpu = 0; cpu < 6; ++cpu) {
    ASSERT_TRUE(out[cpu].online) << cpu;
    for (std::size_t k = 0; k < events.size(); ++k) {
      const int pmc = kpcdouble_pmc_of(events[k].event_name.c_str());
      ASSERT_GE(pmc, 0) << events[k].event_name;
      const std::uint64_t want = (cpu == 3 && pmc == 5) ? 123456789012345ull : expected(cpu, pmc);
      EXPECT_EQ(out[cpu].values[k].count, want) << "cpu " << cpu << " " << events[k].slot;
    }
    for (std::size_t k = events.size(); k < kMaxEventsPerCpu; ++k) {
      EXPECT_EQ(out[cpu].values[k].count, 0u);  // unused slots stay empty
    }
  }
}

TEST_F(KpcTest, ConfigurableOnlyUsesClassRelativeIndices) {
  // Without FIXED in the classes the slice starts at the first configurable counter (§3.5).
  const CounterSetup setup = make_kpc_counters(double_options({"branches", "branch-misses"}));
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  EXPECT_EQ(setup.backend->events()[0].binding,
            "kpc configurable counter, index 3 of 8 per CPU, classes 0x2");
  std::vector<CpuCounters> out(4);
  setup.backend->read(out);
  EXPECT_EQ(out[2].values[0].count, expected(2, 5));  // INST_BRANCH on PMC5
  EXPECT_EQ(out[2].values[1].count, expected(2, 6));  // BRANCH_MISPRED_NONSPEC on PMC6
  EXPECT_THAT(setup.backend->summary(), HasSubstr("0 fixed + 2 configurable counters"));
}

TEST_F(KpcTest, CustomEventsTakeCustomSlots) {
  const CounterSetup setup =
      make_kpc_counters(double_options({"cycles", "L1I_CACHE_MISS_DEMAND", "CORE_ACTIVE_CYCLE"}));
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  const auto events = setup.backend->events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].slot, "custom0");
  EXPECT_EQ(events[1].event_name, "L1I_CACHE_MISS_DEMAND");
  EXPECT_EQ(events[2].slot, "custom1");
  std::vector<CpuCounters> out(4);
  setup.backend->read(out);
  EXPECT_EQ(out[0].values[1].count, expected(0, kpcdouble_pmc_of("L1I_CACHE_MISS_DEMAND")));
  EXPECT_EQ(out[0].values[2].count, expected(0, kpcdouble_pmc_of("CORE_ACTIVE_CYCLE")));
}

TEST_F(KpcTest, AnAliasIsLookedUpLikeAName) {
  const CounterSetup setup = make_kpc_counters(double_options({"Instructions"}));
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  EXPECT_EQ(setup.backend->events()[0].slot, "custom0");
  EXPECT_EQ(setup.backend->events()[0].event_name, "FIXED_INSTRUCTIONS");
}

TEST_F(KpcTest, TimeEnabledEqualsTimeRunningAndGrows) {
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  std::vector<CpuCounters> first(4);
  std::vector<CpuCounters> second(4);
  setup.backend->read(first);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  setup.backend->read(second);
  const CounterValue& a = first[0].values[0];
  const CounterValue& b = second[0].values[0];
  EXPECT_EQ(a.time_enabled_ns, a.time_running_ns);  // KPC never multiplexes
  EXPECT_EQ(b.time_enabled_ns, b.time_running_ns);
  EXPECT_GE(b.time_enabled_ns - a.time_enabled_ns, 5'000'000u);
}

TEST_F(KpcTest, ACpuThatDidNotAnswerIsOffline) {
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  kpcdouble_set_cpu_offline(2);
  std::vector<CpuCounters> out(4);
  setup.backend->read(out);
  EXPECT_TRUE(out[1].online);
  EXPECT_FALSE(out[2].online);
  EXPECT_EQ(out[2].values[0].count, 0u);
  EXPECT_TRUE(out[3].online);
  EXPECT_EQ(out[3].values[0].count, expected(3, 0));  // later slices keep their place
}

TEST_F(KpcTest, AFailedReadMarksEveryCpuOffline) {
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  std::vector<CpuCounters> out(4);
  setup.backend->read(out);
  ASSERT_TRUE(out[0].online);
  kpcdouble_fail("kpc_get_cpu_counters", -1, EBUSY);
  setup.backend->read(out);
  for (const CpuCounters& c : out) {
    EXPECT_FALSE(c.online);
    EXPECT_EQ(c.values[0].count, 0u);
  }
}

TEST_F(KpcTest, AWronglySizedOutputIsRefusedWithoutReading) {
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  std::vector<CpuCounters> out(3);
  setup.backend->read(out);
  for (const CpuCounters& c : out) EXPECT_FALSE(c.online);
  EXPECT_EQ(testing::log_index("kpc_get_cpu_counters all_cpus=1 0x3"), -1);
}

TEST_F(KpcTest, AnOptionalEventTheChipLacksIsSkipped) {
  kpcdouble_remove_event("INST_LDST");
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  const auto events = setup.backend->events();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[4].slot, "cache_misses");
  EXPECT_EQ(setup.backend->summary(),
            "KPC: cpu_100000c_2_da33d83d (kpep db a15), 2 fixed + 3 configurable counters; "
            "not counted here: cache_references");
  std::vector<CpuCounters> out(4);
  setup.backend->read(out);
  EXPECT_EQ(out[1].values[4].count, expected(1, kpcdouble_pmc_of("L1D_CACHE_MISS_LD")));
}

TEST_F(KpcTest, FallbackNamesAreTriedAndConflictsDropOptionalEvents) {
  // No fixed-instructions event: instructions falls back to INST_ALL, which needs PMC7, so the
  // PMC7-only INST_LDST (cache_references) then conflicts and is dropped.
  kpcdouble_remove_event("FIXED_INSTRUCTIONS");
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  const auto events = setup.backend->events();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[1].slot, "instructions");
  EXPECT_EQ(events[1].event_name, "INST_ALL");
  EXPECT_THAT(setup.backend->summary(), HasSubstr("not counted here: cache_references"));
  std::vector<CpuCounters> out(4);
  setup.backend->read(out);
  EXPECT_EQ(out[0].values[1].count, expected(0, 7));
}

}  // namespace
}  // namespace sysring::broker::counters::kpc
