// make_perf_counters and the backend over a scripted kernel: privilege, the software fallback,
// fitting groups into the PMU, one read per group, hotplug; and over this machine's kernel.
#include "counters/perf/perf_counters.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "counters/counter_events.hpp"
#include "counters/perf/perf_counter_backend.hpp"
#include "fake_perf_syscalls.hpp"
#include "perf_test_support.hpp"

namespace sysring::broker::counters::perf {
namespace {

using test::FakePerfSyscalls;
using namespace std::chrono_literals;

class PerfCountersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_.set_cpus("0-1", "0-1");
    root_.write("proc/sys/kernel/perf_event_paranoid", "2\n");
  }

  CounterSetup make(std::vector<std::string> events = {}) {
    PerfCounterOptions o;
    o.events = std::move(events);
    o.sys_root = root_.sys();
    o.proc_root = root_.proc();
    o.syscalls = fake_;
    o.hotplug_check_interval = 0ms;  // check on every read, so tests need not sleep
    o.fit_probe = 1ms;
    return make_perf_counters(o);
  }

  static std::vector<std::string> slots(const CounterBackend& b) {
    std::vector<std::string> out;
    for (const BoundEvent& e : b.events()) out.push_back(e.slot);
    return out;
  }

  static std::vector<CpuCounters> read(CounterBackend& b) {
    std::vector<CpuCounters> out(b.cpu_count());
    b.read(out);
    return out;
  }

  test::FixtureRoot root_;
  std::shared_ptr<FakePerfSyscalls> fake_ = std::make_shared<FakePerfSyscalls>();
};

// --- privilege -----------------------------------------------------------------------------

TEST_F(PerfCountersTest, NoPrivilegeMeansNoBackendAndOneLine) {
  fake_->every_open_error = EACCES;
  const CounterSetup s = make();
  EXPECT_EQ(s.backend, nullptr);
  EXPECT_EQ(s.unavailable_reason,
            "perf_event_open: no CAP_PERFMON or root (perf_event_paranoid=2): Permission denied");
}

TEST_F(PerfCountersTest, PrivilegeMessageWithoutParanoidFile) {
  fake_->every_open_error = EPERM;
  PerfCounterOptions o;
  o.sys_root = root_.sys();
  o.proc_root = root_.proc() + "/missing";
  o.syscalls = fake_;
  EXPECT_EQ(make_perf_counters(o).unavailable_reason,
            "perf_event_open: no CAP_PERFMON or root (perf_event_paranoid=?): Operation not "
            "permitted");
}

// --- hardware PMU and the software fallback ------------------------------------------------

TEST_F(PerfCountersTest, DefaultCountsHardwareEventsWhenThereIsAPmu) {
  const CounterSetup s = make();
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  EXPECT_EQ(slots(*s.backend),
            (std::vector<std::string>{"cycles", "instructions", "branches", "branch_misses",
                                      "cache_references", "cache_misses"}));
  EXPECT_EQ(s.backend->summary(), "perf_event: 6 events on 2 CPUs in 1 group");
  EXPECT_EQ(s.backend->events()[0].binding, "perf hardware config 0x0, group 1 of 1");
  EXPECT_EQ(s.backend->cpu_count(), 2U);
}

TEST_F(PerfCountersTest, DefaultFallsBackToSoftwareWithoutAPmuAndSaysSo) {
  fake_->hardware_open_error = ENOENT;
  const CounterSetup s = make();
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  EXPECT_EQ(s.backend->summary(),
            "perf_event: software events only — this machine has no hardware PMU (cycles: No "
            "such file or directory); 7 events on 2 CPUs in 1 group");
  std::vector<std::string> expected;
  for (const std::string_view name : kFallbackSoftwareEvents) {
    expected.emplace_back(find_named_event(name)->slot);
  }
  EXPECT_EQ(slots(*s.backend), expected);
  for (const CpuCounters& cpu : read(*s.backend)) {
    EXPECT_TRUE(cpu.online);
    EXPECT_GT(cpu.values[0].count, 0U);
  }
}

TEST_F(PerfCountersTest, FallbackNamesTheErrno) {
  fake_->hardware_open_error = EOPNOTSUPP;
  const CounterSetup s = make();
  ASSERT_NE(s.backend, nullptr);
  EXPECT_NE(s.backend->summary().find("no hardware PMU (cycles: Operation not supported)"),
            std::string::npos)
      << s.backend->summary();
}

TEST_F(PerfCountersTest, ExplicitHardwareEventWithoutAPmuIsAnError) {
  fake_->hardware_open_error = ENOENT;
  const CounterSetup s = make({"context-switches", "instructions"});
  EXPECT_EQ(s.backend, nullptr);
  EXPECT_EQ(s.unavailable_reason,
            "counter event \"instructions\" needs a hardware PMU, and this machine has none "
            "(cycles: No such file or directory)");
}

TEST_F(PerfCountersTest, BusyPmuIsUnusableNotAbsent) {
  fake_->hardware_open_error = EBUSY;
  const CounterSetup s = make();
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  EXPECT_NE(s.backend->summary().find("software events only — the hardware PMU cannot be used "
                                      "(cycles: Device or resource busy)"),
            std::string::npos)
      << s.backend->summary();
  EXPECT_EQ(make({"cycles"}).unavailable_reason,
            "counter event \"cycles\" needs a hardware PMU, and it cannot be used (cycles: Device "
            "or resource busy)");
}

TEST_F(PerfCountersTest, ExplicitSoftwareEventsWithoutAPmuAreCounted) {
  fake_->hardware_open_error = ENODEV;
  const CounterSetup s = make({"cs", "page-faults"});
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  EXPECT_EQ(slots(*s.backend), (std::vector<std::string>{"context_switches", "page_faults"}));
}

TEST_F(PerfCountersTest, UnknownEventIsTheReason) {
  EXPECT_EQ(make({"foo"}).unavailable_reason,
            "unknown counter event \"foo\": not a generic perf event and libpfm4 does not know it");
}

// --- opening: one group per CPU, one read per group ----------------------------------------

TEST_F(PerfCountersTest, OpensOneGroupPerCpuAndReadsItOnce) {
  const CounterSetup s = make({"cycles", "instructions", "cs"});
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  EXPECT_EQ(fake_->open_fds_on(0), 3U);
  EXPECT_EQ(fake_->open_fds_on(1), 3U);
  const std::size_t before = fake_->reads;
  const auto first = read(*s.backend);
  EXPECT_EQ(fake_->reads - before, 2U);  // one read() per group per CPU
  const auto second = read(*s.backend);
  for (std::uint32_t cpu = 0; cpu < 2; ++cpu) {
    ASSERT_TRUE(second[cpu].online);
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_GT(second[cpu].values[i].count, first[cpu].values[i].count);
      EXPECT_GT(second[cpu].values[i].time_running_ns, 0U);
    }
  }
}

TEST_F(PerfCountersTest, ReadDoesNotAllocate) {
  // With the default 1 s hotplug check, a steady read() is only the group reads.
  PerfCounterOptions o;
  o.sys_root = root_.sys();
  o.syscalls = fake_;
  const CounterSetup s = make_perf_counters(o);
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  std::vector<CpuCounters> out(s.backend->cpu_count());
  test::AllocationCounter allocations;
  s.backend->read(out);
  s.backend->read(out);
  EXPECT_EQ(allocations.count(), 0U);
  EXPECT_TRUE(out[0].online);
}

TEST_F(PerfCountersTest, WrongOutputSizeIsNotPublishedAsMeasured) {
  const CounterSetup s = make();
  ASSERT_NE(s.backend, nullptr);
  std::vector<CpuCounters> out(1);
  out[0].online = true;
  s.backend->read(out);
  EXPECT_FALSE(out[0].online);
}

TEST_F(PerfCountersTest, ClosesEverythingWhenDestroyed) {
  {
    const CounterSetup s = make();
    ASSERT_NE(s.backend, nullptr);
    EXPECT_EQ(fake_->open_fds(), 12U);
  }
  EXPECT_EQ(fake_->open_fds(), 0U);
  fake_->every_open_error = EACCES;
  EXPECT_EQ(make().backend, nullptr);
  EXPECT_EQ(fake_->open_fds(), 0U);
}

// --- fitting groups into the PMU -----------------------------------------------------------

TEST_F(PerfCountersTest, GroupTooLargeToOpenIsSplit) {
  fake_->max_group_size = 3;  // members beyond the third: EINVAL, as x86 validate_group does
  const CounterSetup s = make({"cycles", "instructions", "branches", "branch-misses",
                               "cache-references", "cache-misses", "ref-cycles"});
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  EXPECT_EQ(s.backend->summary(),
            "perf_event: 7 events on 2 CPUs in 3 groups (split to fit the PMU)");
  const auto events = s.backend->events();
  ASSERT_EQ(events.size(), 7U);
  EXPECT_EQ(events[0].binding, "perf hardware config 0x0, group 1 of 3");
  EXPECT_EQ(events[3].binding, "perf hardware config 0x5, group 2 of 3");
  EXPECT_EQ(events[6].binding, "perf hardware config 0x9, group 3 of 3");
  EXPECT_EQ(events[6].slot, "custom0");

  const std::size_t before = fake_->reads;
  const auto out = read(*s.backend);
  EXPECT_EQ(fake_->reads - before, 6U);  // 3 groups x 2 CPUs
  for (const CpuCounters& cpu : out) {
    ASSERT_TRUE(cpu.online);
    for (std::size_t i = 0; i < 7; ++i) EXPECT_GT(cpu.values[i].count, 0U) << i;
  }
}

TEST_F(PerfCountersTest, GroupThatNeverRunsIsSplit) {
  fake_->max_running_group_size = 2;  // larger groups open, but time_running stays 0
  const CounterSetup s = make(
      {"cycles", "instructions", "branches", "branch-misses", "cache-references", "cache-misses"});
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  EXPECT_NE(s.backend->summary().find("in 3 groups (split to fit the PMU)"), std::string::npos)
      << s.backend->summary();
  for (const CpuCounters& cpu : read(*s.backend)) {
    for (std::size_t i = 0; i < 6; ++i) {
      EXPECT_GT(cpu.values[i].time_running_ns, 0U) << i;
      EXPECT_GT(cpu.values[i].count, 0U) << i;
    }
  }
}

TEST_F(PerfCountersTest, EventThatNeverRunsAloneIsReported) {
  fake_->max_running_group_size = 0;
  const CounterSetup s = make({"cycles"});
  EXPECT_EQ(s.backend, nullptr);
  EXPECT_EQ(s.unavailable_reason,
            "counter event \"cycles\" cannot be counted on cpu 0: never scheduled on the PMU "
            "(time_running stayed 0)");
}

TEST_F(PerfCountersTest, ExplicitEventThatCannotOpenIsAnError) {
  fake_->refused_hw_configs = {PERF_COUNT_HW_REF_CPU_CYCLES};
  const CounterSetup s = make({"cycles", "ref-cycles", "instructions"});
  EXPECT_EQ(s.backend, nullptr);
  EXPECT_EQ(s.unavailable_reason,
            "counter event \"ref-cycles\" cannot be counted on cpu 0: No such file or directory");
}

TEST_F(PerfCountersTest, DefaultEventThatCannotOpenIsDroppedAndNamed) {
  // The kernel refuses "branches" itself (ENOENT), not the group: the rest stays one group.
  fake_->refused_hw_configs = {PERF_COUNT_HW_BRANCH_INSTRUCTIONS};
  const CounterSetup s = make();
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  EXPECT_EQ(s.backend->summary(),
            "perf_event: 5 events on 2 CPUs in 1 group; not counted: branches (No such file or "
            "directory)");
  EXPECT_EQ(slots(*s.backend), (std::vector<std::string>{"cycles", "instructions", "branch_misses",
                                                         "cache_references", "cache_misses"}));
  for (const CpuCounters& cpu : read(*s.backend)) {
    for (std::size_t i = 0; i < 5; ++i) EXPECT_GT(cpu.values[i].count, 0U) << i;
  }
}

TEST_F(PerfCountersTest, NoDefaultEventCanBeCounted) {
  fake_->max_running_group_size = 0;  // the PMU opens everything and runs nothing
  const CounterSetup s = make();
  EXPECT_EQ(s.backend, nullptr);
  EXPECT_NE(s.unavailable_reason.find(
                "no counter event can be counted: cycles (never scheduled on the PMU"),
            std::string::npos)
      << s.unavailable_reason;
}

// --- hotplug -------------------------------------------------------------------------------

TEST_F(PerfCountersTest, CpusOfflineAtStartAreUnavailableThenOpened) {
  root_.set_cpus("0-3", "0-1");
  const CounterSetup s = make();
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  auto& backend = static_cast<PerfCounterBackend&>(*s.backend);
  EXPECT_EQ(backend.cpu_count(), 4U);
  auto out = read(backend);
  EXPECT_TRUE(out[0].online);
  EXPECT_TRUE(out[1].online);
  EXPECT_FALSE(out[2].online);
  EXPECT_FALSE(out[3].online);
  EXPECT_EQ(out[3].values[0].count, 0U);

  root_.set_cpus("0-3", "0-3");
  out = read(backend);
  EXPECT_TRUE(out[2].online);
  EXPECT_TRUE(out[3].online);
  EXPECT_GT(out[3].values[0].count, 0U);
}

TEST_F(PerfCountersTest, ReadFailingWithEnodevMarksCpuOfflineUntilReopened) {
  const CounterSetup s = make({"cs", "cpu-clock"});
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  auto& backend = static_cast<PerfCounterBackend&>(*s.backend);
  const auto before = read(backend);

  fake_->read_errors[1] = ENODEV;
  fake_->offline_cpus = {1};  // its re-open fails too while it is away
  auto out = read(backend);
  EXPECT_TRUE(out[0].online);
  EXPECT_FALSE(out[1].online);
  EXPECT_FALSE(backend.cpu_counting(1));
  EXPECT_EQ(backend.cpu_note(1), "read: No such device");
  EXPECT_EQ(fake_->open_fds_on(1), 0U);
  out = read(backend);  // the check tries to re-open, which fails with ENODEV
  EXPECT_FALSE(out[1].online);
  EXPECT_EQ(backend.cpu_note(1), "perf_event_open \"cs\" on cpu 1: No such device");

  fake_->read_errors.clear();
  fake_->offline_cpus.clear();
  out = read(backend);
  ASSERT_TRUE(out[1].online);
  EXPECT_TRUE(backend.cpu_note(1).empty());
  // The re-opened counters start at zero in the kernel; published totals continue.
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_GT(out[1].values[i].count, before[1].values[i].count) << i;
    EXPECT_GT(out[1].values[i].time_enabled_ns, before[1].values[i].time_enabled_ns) << i;
  }
}

TEST_F(PerfCountersTest, CpuLeavingTheOnlineListIsClosed) {
  const CounterSetup s = make({"cs"});
  ASSERT_NE(s.backend, nullptr);
  auto& backend = static_cast<PerfCounterBackend&>(*s.backend);
  root_.set_cpus("0-1", "0");
  const auto out = read(backend);
  EXPECT_TRUE(out[0].online);
  EXPECT_FALSE(out[1].online);
  EXPECT_EQ(backend.cpu_note(1), "offline");
  EXPECT_EQ(fake_->open_fds_on(1), 0U);
}

TEST_F(PerfCountersTest, DetachedEventsAreReopened) {
  // The CPU went offline and back between two checks: the kernel detached our events, whose
  // reads still succeed but whose enabled time stands still.
  const CounterSetup s = make({"cs"});
  ASSERT_NE(s.backend, nullptr);
  auto& backend = static_cast<PerfCounterBackend&>(*s.backend);
  (void)read(backend);
  const std::size_t opens = fake_->opens;
  fake_->frozen_cpus = {1};
  (void)read(backend);
  (void)read(backend);  // the check sees the frozen time and re-opens
  EXPECT_EQ(fake_->opens - opens, 1U);
  fake_->frozen_cpus.clear();
  EXPECT_TRUE(read(backend)[1].online);
  EXPECT_EQ(fake_->open_fds_on(1), 1U);
}

TEST_F(PerfCountersTest, OnlineListIsNotCheckedOnEveryRead) {
  root_.set_cpus("0-1", "0");
  PerfCounterOptions o;
  o.sys_root = root_.sys();
  o.syscalls = fake_;
  o.hotplug_check_interval = std::chrono::hours(1);
  const CounterSetup s = make_perf_counters(o);
  ASSERT_NE(s.backend, nullptr);
  root_.set_cpus("0-1", "0-1");
  EXPECT_FALSE(read(*s.backend)[1].online);
}

TEST_F(PerfCountersTest, UnreadableCpuListIsTheReason) {
  test::FixtureRoot empty;
  PerfCounterOptions o;
  o.sys_root = empty.sys();
  o.syscalls = fake_;
  const CounterSetup s = make_perf_counters(o);
  EXPECT_EQ(s.backend, nullptr);
  EXPECT_NE(s.unavailable_reason.find("devices/system/cpu/possible"), std::string::npos);
}

// --- this machine's kernel -----------------------------------------------------------------

// The real syscalls, except that hardware events fail as on a machine without a PMU, so the
// fallback is tested on real software counters whether or not this machine has a PMU.
class NoPmuSyscalls final : public PerfSyscalls {
 public:
  int open(const perf_event_attr& attr, pid_t pid, int cpu, int group_fd,
           unsigned long flags) override {
    if (attr.type != PERF_TYPE_SOFTWARE) return -ENOENT;
    return real_->open(attr, pid, cpu, group_fd, flags);
  }
  ssize_t read(int fd, void* buffer, std::size_t length) override {
    return real_->read(fd, buffer, length);
  }
  int ioctl(int fd, unsigned long request, unsigned long argument) override {
    return real_->ioctl(fd, request, argument);
  }
  void close(int fd) override { real_->close(fd); }

 private:
  std::shared_ptr<PerfSyscalls> real_ = real_perf_syscalls();
};

CounterSetup make_real(std::shared_ptr<PerfSyscalls> sys) {
  PerfCounterOptions o;
  o.syscalls = std::move(sys);
  o.hotplug_check_interval = 0ms;
  CounterSetup s = make_perf_counters(o);
  return s;
}

bool refused_for_privilege(const CounterSetup& s) {
  return s.backend == nullptr &&
         s.unavailable_reason.find("no CAP_PERFMON or root") != std::string::npos;
}

TEST(PerfCountersReal, SoftwareFallbackCountsOnThisKernel) {
  const CounterSetup s = make_real(std::make_shared<NoPmuSyscalls>());
  if (refused_for_privilege(s)) GTEST_SKIP() << s.unavailable_reason;
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  EXPECT_EQ(s.backend->summary().rfind(
                "perf_event: software events only — this machine has no hardware PMU (cycles: ", 0),
            0U)
      << s.backend->summary();
  ASSERT_EQ(s.backend->events()[0].slot, "cpu_clock");

  std::vector<CpuCounters> first(s.backend->cpu_count());
  std::vector<CpuCounters> second(s.backend->cpu_count());
  s.backend->read(first);
  ::usleep(20000);
  s.backend->read(second);
  std::size_t online = 0;
  for (std::size_t cpu = 0; cpu < second.size(); ++cpu) {
    if (!second[cpu].online) continue;
    ++online;
    EXPECT_GT(second[cpu].values[0].time_enabled_ns, first[cpu].values[0].time_enabled_ns);
    EXPECT_GT(second[cpu].values[0].count, first[cpu].values[0].count) << "cpu-clock, cpu " << cpu;
  }
  EXPECT_GE(online, 1U);
  EXPECT_TRUE(second[0].online);
}

TEST(PerfCountersReal, DefaultOnThisMachineCountsOrSaysWhy) {
  const CounterSetup s = make_real(real_perf_syscalls());
  if (refused_for_privilege(s)) GTEST_SKIP() << s.unavailable_reason;
  ASSERT_NE(s.backend, nullptr) << s.unavailable_reason;
  EXPECT_EQ(s.backend->summary().rfind("perf_event: ", 0), 0U);
  std::vector<CpuCounters> out(s.backend->cpu_count());
  s.backend->read(out);
  EXPECT_TRUE(out[0].online);
  EXPECT_GT(out[0].values[0].time_enabled_ns, 0U);
}

}  // namespace
}  // namespace sysring::broker::counters::perf
