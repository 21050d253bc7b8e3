// The cpu source over fixture trees (CPUs that go offline and come back, busy percent, cpufreq
// in Hz, STATIC values once per appearance, older kernels, availability reasons) and over this
// machine's /proc/stat.
#include "sources/linux/cpu_instances.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <vector>

#include "family_row.hpp"
#include "linux_fixture_tree.hpp"
#include "recording_sink.hpp"
#include "sink_readings.hpp"
#include "sources/linux/linux_instance_factories.hpp"

namespace sysring {
namespace {

using broker::linux_instances::make_cpu_instances;
using layout::SlotStatus;
using test::FixtureTree;
using test::names;
using test::ok_bits;
using test::ok_f64;
using test::RecordingSink;
using test::status_of;

constexpr std::uint16_t kUser = 500;
constexpr std::uint16_t kIdle = 503;
constexpr std::uint16_t kSteal = 507;
constexpr std::uint16_t kGuest = 508;
constexpr std::uint16_t kGuestNice = 509;
constexpr std::uint16_t kBusy = 510;
constexpr std::uint16_t kFreq = 511;
constexpr std::uint16_t kFreqMax = 512;
constexpr std::uint16_t kFreqMin = 513;
constexpr std::uint16_t kCoreId = 514;
constexpr std::uint16_t kPackageId = 515;

registry::RegistryEntry cpu_row(std::uint16_t id, std::string_view source,
                                schema::ValueType type = schema::ValueType::U64) {
  return test::family_row(id, InstanceDomain::Cpu, source, type);
}

class CpuInstancesTest : public ::testing::Test {
 protected:
  void build(const FixtureTree& tree) { source_ = make_cpu_instances(rows_, tree.config()); }
  void refresh() {
    sink_.begin();
    source_->refresh(sink_);
  }

  std::vector<registry::RegistryEntry> rows_ = test::linux_rows(InstanceDomain::Cpu);
  std::unique_ptr<broker::InstanceSource> source_;
  RecordingSink sink_;
};

TEST_F(CpuInstancesTest, EveryCpuRowIsAnAvailableFamily) {
  FixtureTree tree("cpu_two");
  build(tree);
  EXPECT_EQ(source_->domain(), InstanceDomain::Cpu);
  EXPECT_TRUE(source_->owns_domain());
  ASSERT_EQ(source_->families().size(), 16U);
  for (const std::uint16_t id : source_->families()) {
    EXPECT_TRUE(source_->availability(id).available)
        << id << ": " << source_->availability(id).reason;
  }
}

TEST_F(CpuInstancesTest, InstancesAreThePerCpuLinesAndRowsAreForThePossibleCpus) {
  FixtureTree tree("cpu_two");
  build(tree);
  EXPECT_EQ(source_->instances_at_start(), 4U) << "possible is 0-3, two are online";
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"cpu0", "cpu1"}));
  EXPECT_EQ(sink_.present().at("cpu1").labels, (std::map<std::string, std::string>{{"cpu", "1"}}));
}

TEST_F(CpuInstancesTest, TimesAreTheFieldsOfTheCpusLineInTicks) {
  FixtureTree tree("cpu_two");
  build(tree);
  refresh();
  EXPECT_EQ(ok_bits(sink_, kUser, "cpu0"), 1132U);
  EXPECT_EQ(ok_bits(sink_, kIdle, "cpu0"), 11311718U);
  EXPECT_EQ(ok_bits(sink_, kUser, "cpu1"), 1123U);
  EXPECT_EQ(ok_bits(sink_, kIdle, "cpu1"), 11313845U);
  EXPECT_EQ(ok_bits(sink_, kGuestNice, "cpu1"), 0U);
}

TEST_F(CpuInstancesTest, BusyPercentStartsOnTheSecondRefresh) {
  FixtureTree tree("cpu_two");
  build(tree);
  refresh();
  EXPECT_EQ(sink_.reading(kBusy, "cpu0"), nullptr) << "no base yet: nothing published";
  // cpu0: +30 user +10 system +50 idle +10 iowait = 100 ticks, 60 of them idle -> 40% busy.
  // cpu1: +100 idle -> 0% busy.
  tree.rewrite("proc/stat",
               "cpu  0 0 0 0 0 0 0 0 0 0\n"
               "cpu0 1162 34 1451 11311768 3685 127 438 0 0 0\n"
               "cpu1 1123 0 849 11313945 2614 0 18 0 0 0\n"
               "intr 1\n");
  refresh();
  ASSERT_TRUE(ok_f64(sink_, kBusy, "cpu0").has_value());
  EXPECT_DOUBLE_EQ(*ok_f64(sink_, kBusy, "cpu0"), 40.0);
  EXPECT_DOUBLE_EQ(ok_f64(sink_, kBusy, "cpu1").value_or(-1), 0.0);
  // No time passed on cpu1: no meaningful share.
  tree.rewrite("proc/stat",
               "cpu0 1262 34 1451 11311768 3685 127 438 0 0 0\n"
               "cpu1 1123 0 849 11313945 2614 0 18 0 0 0\n");
  refresh();
  EXPECT_DOUBLE_EQ(ok_f64(sink_, kBusy, "cpu0").value_or(-1), 100.0);
  EXPECT_EQ(status_of(sink_, kBusy, "cpu1"), SlotStatus::kUnavailable);
}

TEST_F(CpuInstancesTest, FrequenciesArePublishedInHertzAndTopologyAsIs) {
  FixtureTree tree("cpu_two");
  build(tree);
  refresh();
  EXPECT_EQ(ok_bits(sink_, kFreq, "cpu0"), 2'400'000'000U);
  EXPECT_EQ(ok_bits(sink_, kFreq, "cpu1"), 2'500'000'000U);
  EXPECT_EQ(ok_bits(sink_, kFreqMax, "cpu1"), 3'500'000'000U);
  EXPECT_EQ(ok_bits(sink_, kFreqMin, "cpu1"), 800'000'000U);
  EXPECT_EQ(ok_bits(sink_, kCoreId, "cpu1"), 1U);
  EXPECT_EQ(ok_bits(sink_, kPackageId, "cpu1"), 0U);
}

TEST_F(CpuInstancesTest, StaticValuesAreReadOncePerAppearanceAndPolledOnesEveryRefresh) {
  FixtureTree tree("cpu_two");
  build(tree);
  refresh();
  ASSERT_TRUE(ok_bits(sink_, kCoreId, "cpu0").has_value());
  tree.rewrite("sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq", "1200000\n");
  refresh();
  EXPECT_EQ(sink_.reading(kCoreId, "cpu0"), nullptr);
  EXPECT_EQ(sink_.reading(kFreqMax, "cpu0"), nullptr);
  EXPECT_EQ(ok_bits(sink_, kFreq, "cpu0"), 1'200'000'000U) << "the kept-open file is re-read";
}

TEST_F(CpuInstancesTest, ACpuThatGoesOfflineIsGoneAndComesBackAsANewAppearance) {
  FixtureTree tree("cpu_two");
  build(tree);
  refresh();
  refresh();
  ASSERT_TRUE(ok_f64(sink_, kBusy, "cpu1").has_value() ||
              status_of(sink_, kBusy, "cpu1") == SlotStatus::kUnavailable);
  // cpu2 comes online, cpu1 goes offline.
  tree.rewrite("proc/stat",
               "cpu  1 1 1 1 1 1 1 1 0 0\n"
               "cpu0 1162 34 1451 11311768 3685 127 438 0 0 0\n"
               "cpu2 10 0 10 1000 0 0 0 0 0 0\n");
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"cpu0", "cpu2"}));
  EXPECT_EQ(sink_.reading(kBusy, "cpu2"), nullptr) << "a new CPU has no base yet";
  EXPECT_EQ(ok_bits(sink_, kCoreId, "cpu2"), 2U) << "STATIC values come with the appearance";
  EXPECT_EQ(ok_bits(sink_, kFreq, "cpu2"), 2'600'000'000U);
  EXPECT_EQ(ok_bits(sink_, kUser, "cpu2"), 10U);
  EXPECT_EQ(sink_.reading(kCoreId, "cpu0"), nullptr);
  // cpu1 comes back: a new appearance, so STATIC values again and no busy base.
  tree.rewrite("proc/stat",
               "cpu0 1162 34 1451 11311768 3685 127 438 0 0 0\n"
               "cpu1 2000 0 849 11313945 2614 0 18 0 0 0\n"
               "cpu2 10 0 10 1100 0 0 0 0 0 0\n");
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"cpu0", "cpu1", "cpu2"}));
  EXPECT_EQ(sink_.reading(kBusy, "cpu1"), nullptr);
  EXPECT_EQ(ok_bits(sink_, kCoreId, "cpu1"), 1U);
  EXPECT_DOUBLE_EQ(ok_f64(sink_, kBusy, "cpu2").value_or(-1), 0.0);
  tree.rewrite("proc/stat", "intr 1\n");
  refresh();
  EXPECT_TRUE(sink_.present().empty());
}

TEST_F(CpuInstancesTest, StaticValuesWaitForARow) {
  FixtureTree tree("cpu_two");
  build(tree);
  sink_.refuse_all = true;
  refresh();
  EXPECT_EQ(sink_.reading(kCoreId, "cpu0"), nullptr);
  sink_.refuse_all = false;
  refresh();
  EXPECT_EQ(ok_bits(sink_, kCoreId, "cpu0"), 0U);
  EXPECT_EQ(status_of(sink_, kBusy, "cpu0"), SlotStatus::kUnavailable)
      << "the base was taken while refused; no tick has passed since";
}

TEST_F(CpuInstancesTest, AnOlderKernelAndNoCpufreqMakeThoseFamiliesUnavailable) {
  FixtureTree tree("cpu_old_kernel");
  build(tree);
  EXPECT_EQ(source_->instances_at_start(), 1U) << "no possible file: the lines found";
  EXPECT_TRUE(source_->availability(kSteal).available);
  EXPECT_TRUE(source_->availability(kBusy).available) << "eight fields are enough";
  EXPECT_EQ(source_->availability(kGuest).reason, tree.proc() + "/stat: no cpu line has field 8");
  EXPECT_EQ(source_->availability(kGuestNice).reason,
            tree.proc() + "/stat: no cpu line has field 9");
  for (const std::uint16_t id : {kFreq, kFreqMax, kFreqMin}) {
    EXPECT_EQ(source_->availability(id).reason,
              tree.sys() + "/devices/system/cpu/cpu0/cpufreq: No such file or directory");
  }
  EXPECT_TRUE(source_->availability(kCoreId).available);
  refresh();
  EXPECT_EQ(ok_bits(sink_, kSteal, "cpu0"), 0U);
  EXPECT_EQ(ok_bits(sink_, kCoreId, "cpu0"), 0U);
  EXPECT_EQ(sink_.reading(kGuest, "cpu0"), nullptr);
  EXPECT_EQ(sink_.reading(kFreq, "cpu0"), nullptr);
}

TEST_F(CpuInstancesTest, ALineShorterThanTheOthersIsUnavailableForWhatItLacks) {
  FixtureTree tree("cpu_two");
  build(tree);
  tree.rewrite("proc/stat",
               "cpu0 1 2 3 4 5 6 7\n"
               "cpu1 1 2 3 4 5 6 7 8 9 10\n");
  refresh();
  EXPECT_EQ(status_of(sink_, kSteal, "cpu0"), SlotStatus::kUnavailable);
  EXPECT_EQ(status_of(sink_, kBusy, "cpu0"), SlotStatus::kUnavailable);
  EXPECT_EQ(ok_bits(sink_, kGuestNice, "cpu1"), 10U);
}

TEST_F(CpuInstancesTest, WithoutProcStatTimesAreUnavailableAndNoCpuExists) {
  FixtureTree tree("cpu_two");
  tree.remove("proc/stat");
  build(tree);
  EXPECT_EQ(source_->instances_at_start(), 4U) << "the possible CPUs still size the domain";
  const std::string reason = tree.proc() + "/stat: No such file or directory";
  EXPECT_EQ(source_->availability(kUser).reason, reason);
  EXPECT_EQ(source_->availability(kBusy).reason, reason);
  EXPECT_TRUE(source_->availability(kCoreId).available);
  refresh();
  EXPECT_TRUE(sink_.present().empty());
}

TEST_F(CpuInstancesTest, RowsItCannotBindAreUnavailableWithTheirSource) {
  FixtureTree tree("cpu_two");
  rows_ = {cpu_row(9001, "percpu_stat:10"),
           cpu_row(9002, "cpufreq:../../../etc/passwd"),
           cpu_row(9003, "cpufreq:scaling_governor"),
           cpu_row(9004, "computed:cpu_idle_percent", schema::ValueType::F64),
           cpu_row(9005, "percpu_stat:1", schema::ValueType::F64),
           cpu_row(9006, "computed:cpu_busy_percent", schema::ValueType::U64),
           cpu_row(9007, "stat:cpu:0"),
           cpu_row(9008, "topology:die_id")};
  build(tree);
  ASSERT_EQ(source_->families().size(), 8U);
  for (std::uint16_t id = 9001; id <= 9007; ++id) {
    EXPECT_EQ(source_->availability(id).reason.rfind("bad source '", 0), 0U)
        << id << ": " << source_->availability(id).reason;
  }
  EXPECT_EQ(source_->availability(9008).reason,
            tree.sys() + "/devices/system/cpu/cpu0/topology/die_id: No such file or directory");
}

TEST_F(CpuInstancesTest, CounterRowsOfTheCpuDomainAreNotItsFamilies) {
  FixtureTree tree("cpu_two");
  registry::RegistryEntry pmc = cpu_row(2110, "pmc:cpu:cycles", schema::ValueType::Counter);
  pmc.platform = "counters";
  rows_.push_back(pmc);
  build(tree);
  for (const std::uint16_t id : source_->families()) EXPECT_NE(id, 2110);
}

// ---- This machine ----

TEST(CpuInstancesRealProc, InstancesAreTheOnlineCpus) {
  if (!std::filesystem::exists("/proc/stat")) GTEST_SKIP() << "no /proc/stat here";
  const auto rows = test::linux_rows(InstanceDomain::Cpu);
  auto source = make_cpu_instances(rows, broker::InstanceConfig{});
  RecordingSink sink;
  sink.begin();
  source->refresh(sink);
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  ASSERT_GT(online, 0);
  EXPECT_EQ(sink.present().size(), static_cast<std::size_t>(online));
  EXPECT_GE(source->instances_at_start(), static_cast<std::uint32_t>(online));
  for (const auto& [name, seen] : sink.present()) {
    EXPECT_EQ("cpu" + seen.labels.at("cpu"), name);
    EXPECT_TRUE(ok_bits(sink, kIdle, name).has_value()) << name;
  }
  usleep(20'000);
  sink.begin();
  source->refresh(sink);
  for (const auto& [name, seen] : sink.present()) {
    const auto busy = ok_f64(sink, kBusy, name);
    if (!busy) continue;  // no tick elapsed on this CPU
    EXPECT_GE(*busy, 0.0) << name;
    EXPECT_LE(*busy, 100.0) << name;
  }
  if (!std::filesystem::exists("/sys/devices/system/cpu/cpu0/cpufreq")) {
    EXPECT_EQ(source->availability(kFreq).reason,
              "/sys/devices/system/cpu/cpu0/cpufreq: No such file or directory");
  }
}

}  // namespace
}  // namespace sysring
