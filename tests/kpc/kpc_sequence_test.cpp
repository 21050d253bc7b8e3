// The system-wide per-CPU sequence of darwin-facts §3 as the KPC test double (not Apple's
// framework) records it: order, buffer sizes, stale-counting stop, teardown, and the
// no-database fallback to the fixed counters.
#include <string>
#include <vector>

#include "kpc_test_support.hpp"

namespace sysring::broker::counters::kpc {
namespace {

using testing::double_log;
using testing::double_options;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::KpcTest;
using testing::log_index;
using ::testing::StartsWith;

// INST_BRANCH→PMC5, BRANCH_MISPRED_NONSPEC→PMC6, INST_LDST→PMC7 (the 0xE0/0x80 events),
// L1D_CACHE_MISS_LD→PMC2: the selectors of §4.2 in PMC2..9 order.
constexpr const char* kDefaultConfigWords = " 0xa3 0x0 0x0 0x8d 0xcb 0x9b 0x0 0x0";

TEST_F(KpcTest, TheWholeSequenceRunsInOrder) {
  {
    const CounterSetup setup = make_kpc_counters(double_options());
    ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
    std::vector<CpuCounters> out(4);
    setup.backend->read(out);
  }  // teardown

  EXPECT_THAT(double_log("kpc_"),
              ElementsAre("kpc_cpu_string size=128",   // summary label, no root needed
                          "kpc_force_all_ctrs_get",    // privilege probe, saves force_all
                          "kpc_force_all_ctrs_set 1",  // before programming
                          "kpc_get_counting",          // stale counting? (none here)
                          std::string("kpc_set_config 0x3 words=8") + kDefaultConfigWords,
                          "kpc_get_counter_count 0x3",  // stride N, after forcing
                          "kpc_get_counter_count 0x1",  // fixed counters, for the summary
                          "kpc_set_counting 0x3", "kpc_get_cpu_counters all_cpus=1 0x3",
                          // teardown: stop, clear our selectors while still forced, restore
                          "kpc_set_counting 0x0", "kpc_get_config_count 0x2",
                          "kpc_set_config 0x2 words=8 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0",
                          "kpc_force_all_ctrs_set 0"));

  // kpep work (no root) sits between the probe and force_all, on a forced config, and its
  // objects are freed before the counters are touched.
  const long probe = log_index("kpc_force_all_ctrs_get");
  const long db = log_index("kpep_db_create NULL");
  const long force_cfg = log_index("kpep_config_force_counters");
  const long first_add = log_index("kpep_config_add_event FIXED_CYCLES flag=0");
  const long cfg_free = log_index("kpep_config_free");
  const long db_free = log_index("kpep_db_free");
  const long force_all = log_index("kpc_force_all_ctrs_set 1");
  EXPECT_LT(probe, db);
  EXPECT_LT(db, force_cfg);
  EXPECT_LT(force_cfg, first_add);
  EXPECT_LT(first_add, cfg_free);
  EXPECT_LT(cfg_free, db_free);
  EXPECT_LT(db_free, force_all);
}

TEST_F(KpcTest, KpepEventsAreAddedInTheDefaultOrderForAllModes) {
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  EXPECT_THAT(double_log("kpep_config_add_event"),
              ElementsAre("kpep_config_add_event FIXED_CYCLES flag=0",
                          "kpep_config_add_event FIXED_INSTRUCTIONS flag=0",
                          "kpep_config_add_event INST_BRANCH flag=0",
                          "kpep_config_add_event BRANCH_MISPRED_NONSPEC flag=0",
                          "kpep_config_add_event INST_LDST flag=0",
                          "kpep_config_add_event L1D_CACHE_MISS_LD flag=0"));
}

TEST_F(KpcTest, BufferSizesAreKpcMaxCountersEntries) {
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  // 32 entries of 8 bytes each (KPC_MAX_COUNTERS, §1.2 and §3.1 step 6).
  EXPECT_GE(log_index("kpep_config_kpc_map size=256"), 0);
  EXPECT_GE(log_index("kpep_config_kpc size=256"), 0);
  // Forced before set_config: the kernel takes 8 config words, as kpep planned (§3.1 step 7).
  EXPECT_GE(log_index(std::string("kpc_set_config 0x3 words=8") + kDefaultConfigWords), 0);
}

TEST_F(KpcTest, TheReadBufferHoldsEveryCpusSlice) {
  // The double writes cpus × kpc_get_counter_count(classes) values; under ASan a smaller
  // buffer would fail here. 64 CPUs × 10 counters.
  kpcdouble_set_cpus(64);
  const CounterSetup setup = make_kpc_counters(double_options({}, 64));
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  std::vector<CpuCounters> out(64);
  setup.backend->read(out);
  EXPECT_TRUE(out[63].online);
  EXPECT_EQ(out[63].values[0].count, 64 * 1000u + 0 + 1);  // PMC0 of CPU 63
}

TEST_F(KpcTest, StaleCountingIsStoppedBeforeProgramming) {
  kpcdouble_set_counting(0x3);  // a crashed broker left counting on
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  const long stop = log_index("kpc_set_counting 0x0");
  ASSERT_GE(stop, 0);
  EXPECT_LT(log_index("kpc_get_counting"), stop);
  EXPECT_LT(stop, log_index(std::string("kpc_set_config 0x3 words=8") + kDefaultConfigWords));
  EXPECT_THAT(setup.backend->summary(), HasSubstr("stopped stale counting (classes 0x3)"));
}

TEST_F(KpcTest, NoStaleCountingMeansNoStopCall) {
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  EXPECT_EQ(log_index("kpc_set_counting 0x0"), -1);
  EXPECT_THAT(setup.backend->summary(), ::testing::Not(HasSubstr("stale")));
}

TEST_F(KpcTest, ProgrammedSelectorsAreKpepsConfigWords) {
  const CounterSetup setup = make_kpc_counters(double_options());
  ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  EXPECT_EQ(kpcdouble_counting(), 0x3u);
  EXPECT_EQ(kpcdouble_force_all(), 1);
  EXPECT_EQ(kpcdouble_config_word(kpcdouble_pmc_of("INST_BRANCH")), 0x8du);
  EXPECT_EQ(kpcdouble_config_word(kpcdouble_pmc_of("BRANCH_MISPRED_NONSPEC")), 0xcbu);
  EXPECT_EQ(kpcdouble_config_word(kpcdouble_pmc_of("INST_LDST")), 0x9bu);
  EXPECT_EQ(kpcdouble_config_word(kpcdouble_pmc_of("L1D_CACHE_MISS_LD")), 0xa3u);
}

TEST_F(KpcTest, TeardownRestoresThePreviousState) {
  {
    const CounterSetup setup = make_kpc_counters(double_options());
    ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  }
  EXPECT_EQ(kpcdouble_counting(), 0u);
  EXPECT_EQ(kpcdouble_force_all(), 0);
  for (std::uint32_t pmc = 2; pmc < 10; ++pmc) EXPECT_EQ(kpcdouble_config_word(pmc), 0u) << pmc;
}

TEST_F(KpcTest, TeardownGivesForceAllBackToItsSavedValue) {
  kpcdouble_set_force_all(1);  // already set when we started (e.g. an earlier session of ours)
  {
    const CounterSetup setup = make_kpc_counters(double_options());
    ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
  }
  EXPECT_EQ(kpcdouble_force_all(), 1);
  EXPECT_EQ(double_log("kpc_force_all_ctrs_set").back(), "kpc_force_all_ctrs_set 1");
}

TEST_F(KpcTest, WithoutAKpepDatabaseTheFixedCountersStillCount) {
  kpcdouble_fail("kpep_db_create", 7, 0);  // DB_NOT_FOUND
  {
    const CounterSetup setup = make_kpc_counters(double_options());
    ASSERT_TRUE(setup.backend) << setup.unavailable_reason;
    const auto events = setup.backend->events();
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].slot, "cycles");
    EXPECT_EQ(events[1].slot, "instructions");
    EXPECT_THAT(setup.backend->summary(),
                StartsWith("KPC: cpu_100000c_2_da33d83d (no kpep database: kpep_db_create "
                           "failed: kpep error 7 DB_NOT_FOUND"));
    EXPECT_THAT(setup.backend->summary(), HasSubstr("2 fixed + 0 configurable counters"));

    std::vector<CpuCounters> out(4);
    setup.backend->read(out);
    EXPECT_EQ(out[1].values[0].count, 2001u);  // CPU 1 PMC0
    EXPECT_EQ(out[1].values[1].count, 2002u);  // CPU 1 PMC1
  }
  // Fixed counters need no config words; force_all is still taken (ownership) and given back.
  EXPECT_THAT(
      double_log("kpc_"),
      ElementsAre("kpc_cpu_string size=128", "kpc_force_all_ctrs_get", "kpc_force_all_ctrs_set 1",
                  "kpc_get_counting", "kpc_get_counter_count 0x1", "kpc_get_counter_count 0x1",
                  "kpc_set_counting 0x1", "kpc_get_cpu_counters all_cpus=1 0x1",
                  "kpc_set_counting 0x0", "kpc_force_all_ctrs_set 0"));
}

}  // namespace
}  // namespace sysring::broker::counters::kpc
