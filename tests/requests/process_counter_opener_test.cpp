// The opener (broker/requests/process_counter_opener.cpp) over a scripted perf_event_open: the
// contract's attrs, and a failure half-way closing what was already open.
#include "requests/process_counter_opener.hpp"

#include <gtest/gtest.h>

#include "request_test_support.hpp"

namespace sysring::broker::requests {
namespace {

using counters::perf::PerfEventSpec;

std::vector<PerfEventSpec> resolve(std::initializer_list<const char*> names) {
  std::vector<PerfEventSpec> out;
  for (const char* name : names) {
    PerfEventSpec spec;
    std::string error;
    EXPECT_TRUE(counters::perf::resolve_perf_event(name, spec, error)) << error;
    out.push_back(spec);
  }
  return out;
}

TEST(ProcessCounterOpener, AttrsPerTheContract) {
  test::ScriptedPerf perf;
  const auto events = resolve({"task-clock", "context-switches", "page-faults"});
  OpenedCounters opened = open_process_counters(perf, 4321, events, {});
  ASSERT_EQ(opened.error, "");
  ASSERT_EQ(opened.fds, (std::vector<int>{100, 101, 102}));
  for (std::size_t i = 0; i < 3; ++i) {
    const perf_event_attr& a = perf.attrs[i];
    EXPECT_EQ(perf.pids[i], 4321);
    EXPECT_EQ(perf.cpus[i], -1);
    EXPECT_EQ(a.type, events[i].type);
    EXPECT_EQ(a.config, events[i].config);
    EXPECT_EQ(a.read_format, PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING);
    EXPECT_EQ(a.disabled, 1u);
    EXPECT_EQ(a.inherit, 0u);
    EXPECT_EQ(a.enable_on_exec, 0u);
    EXPECT_EQ(a.exclude_kernel, 1u);
    EXPECT_EQ(a.exclude_hv, 1u);
    EXPECT_EQ(a.sample_period, 0u);
  }
  close_counters(perf, opened.fds);
  EXPECT_TRUE(perf.live.empty());
}

TEST(ProcessCounterOpener, FlagsAsAsked) {
  test::ScriptedPerf perf;
  OpenedCounters opened = open_process_counters(
      perf, 1, resolve({"task-clock"}), {.inherit = true, .enable_on_exec = true, .kernel = true});
  ASSERT_EQ(opened.error, "");
  EXPECT_EQ(perf.attrs[0].inherit, 1u);
  EXPECT_EQ(perf.attrs[0].enable_on_exec, 1u);
  EXPECT_EQ(perf.attrs[0].exclude_kernel, 0u);
  EXPECT_EQ(perf.attrs[0].exclude_hv, 0u);
  EXPECT_EQ(perf.attrs[0].disabled, 1u);
  close_counters(perf, opened.fds);
}

TEST(ProcessCounterOpener, ExitMidOpenClosesTheOthers) {
  test::ScriptedPerf perf;
  perf.fail_open_at = 2;
  perf.fail_errno = ESRCH;
  const OpenedCounters opened = open_process_counters(
      perf, 77, resolve({"task-clock", "context-switches", "page-faults", "cpu-migrations"}), {});
  EXPECT_TRUE(opened.fds.empty());
  EXPECT_EQ(opened.error, "cannot open page-faults for pid 77: No such process (it exited)");
  EXPECT_EQ(perf.attrs.size(), 3u);  // stopped at the failure
  EXPECT_TRUE(perf.live.empty());
  EXPECT_EQ(perf.closes, 2u);
}

TEST(ProcessCounterOpener, PermissionFailure) {
  test::ScriptedPerf perf;
  perf.fail_open_at = 0;
  perf.fail_errno = EACCES;
  const OpenedCounters opened = open_process_counters(perf, 5, resolve({"task-clock"}), {});
  EXPECT_EQ(opened.error, "cannot open task-clock for pid 5: Permission denied");
  EXPECT_EQ(perf.closes, 0u);
}

}  // namespace
}  // namespace sysring::broker::requests
