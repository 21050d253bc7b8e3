// The broker's performance counters end to end with the real binaries: what it counts (hardware
// events, or the software fallback on a machine without a PMU) is stated in the log and the
// descriptors, `sysring pmc` shows it, and bad or contradictory counter flags fail in one line.
// Needs root (or CAP_PERFMON) for counting; skips itself otherwise.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "process_util.hpp"
#include "sysring/client.hpp"

namespace sysring {
namespace {

using namespace itest;

class BrokerCounters : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: system-wide counting needs CAP_PERFMON";
  }
};

bool available(const Client& client, MetricId id) {
  const Descriptor* d = client.descriptor(id);
  return d != nullptr && d->available;
}

TEST_F(BrokerCounters, TheLogAndDescriptorsSayWhatIsCounted) {
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error() << broker.process().err();
  const std::string summary = client->counters_summary();
  ASSERT_FALSE(summary.empty());
  EXPECT_NE(broker.process().err().find("counters: " + summary), std::string::npos)
      << broker.process().err();
  if (available(*client, MetricId::pmc_all_cycles)) {
    // A machine with a PMU: the six hardware events.
    EXPECT_TRUE(available(*client, MetricId::pmc_all_instructions));
    EXPECT_TRUE(available(*client, MetricId::pmc_cpu0_cycles));
  } else {
    // No PMU (our VMs): the software fallback, said plainly, and never a zero cycle count.
    EXPECT_NE(summary.find("software"), std::string::npos) << summary;
    EXPECT_TRUE(available(*client, MetricId::pmc_all_context_switches)) << summary;
    EXPECT_TRUE(available(*client, MetricId::pmc_cpu0_cpu_migrations)) << summary;
    const Descriptor* cycles = client->descriptor(MetricId::pmc_all_cycles);
    ASSERT_NE(cycles, nullptr);
    EXPECT_NE(cycles->unavailable_reason.find(summary), std::string::npos)
        << cycles->unavailable_reason;
    CounterTotals t;
    EXPECT_EQ(client->read_counter(MetricId::pmc_all_cycles, t), ReadStatus::kUnavailable);
  }
  const Descriptor* cpu0 = client->descriptor(MetricId::pmc_cpu0_context_switches);
  ASSERT_NE(cpu0, nullptr);
  if (cpu0->available) {
    EXPECT_FALSE(cpu0->detail.empty());
  }
}

TEST_F(BrokerCounters, ChosenEventsAreTheOnlyOnesCounted) {
  Broker broker(unique_segment(), 100, {"--pmc-events", "context-switches,cpu-migrations"});
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error() << broker.process().err();
  EXPECT_TRUE(available(*client, MetricId::pmc_all_context_switches));
  EXPECT_TRUE(available(*client, MetricId::pmc_cpu0_cpu_migrations));
  EXPECT_FALSE(available(*client, MetricId::pmc_all_page_faults));
  EXPECT_FALSE(available(*client, MetricId::pmc_all_cycles));
}

TEST_F(BrokerCounters, AnUnknownEventFailsInOneLine) {
  const RunResult r = run({SYSRINGD_PATH, "--foreground", "--segment", unique_segment(),
                           "--pmc-events", "cycles,no-such-event-xyz"});
  EXPECT_TRUE(r.failed_cleanly()) << r.describe();
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_NE(r.err.find("no-such-event-xyz"), std::string::npos) << r.err;
}

TEST_F(BrokerCounters, NoCountersMeansEveryCounterRowSaysSo) {
  Broker broker(unique_segment(), 100, {"--no-counters"});
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error() << broker.process().err();
  const Descriptor* d = client->descriptor(MetricId::pmc_all_context_switches);
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->available);
  EXPECT_EQ(d->unavailable_reason, "counters turned off (--no-counters)");
#ifdef SYSRING_CLI_PATH
  const RunResult pmc = run({SYSRING_CLI_PATH, "--segment", broker.segment(), "pmc"});
  EXPECT_TRUE(pmc.exited(1)) << pmc.describe();
  EXPECT_TRUE(one_line(pmc.err)) << pmc.err;
  EXPECT_NE(pmc.err.find("--no-counters"), std::string::npos) << pmc.err;
#endif
}

// A broker without CAP_PERFMON (run as nobody) warns why in one line and serves everything else.
TEST_F(BrokerCounters, WithoutPrivilegeTheBrokerSaysWhyAndServesTheRest) {
  if (::access("/usr/bin/setpriv", X_OK) != 0) GTEST_SKIP() << "needs setpriv (util-linux)";
  const int paranoid = perf_event_paranoid();
  if (paranoid < 1) GTEST_SKIP() << "perf_event_paranoid < 1: nobody may count system-wide here";
  const RunResult r =
      run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", SYSRINGD_PATH,
           "--foreground", "--segment", unique_segment(), "--tick-ms", "50", "--max-ticks", "3"});
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.err.find("sysringd: warn: counters: perf_event_open: no CAP_PERFMON or root"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("serving "), std::string::npos) << r.err;
}

TEST_F(BrokerCounters, ContradictoryFlagsAreAUsageError) {
  const RunResult r = run({SYSRINGD_PATH, "--foreground", "--segment", unique_segment(),
                           "--no-counters", "--pmc-events", "cycles"});
  EXPECT_TRUE(r.exited(2)) << r.describe();
  EXPECT_TRUE(one_line(r.err)) << r.err;
}

#ifdef SYSRING_CLI_PATH
TEST_F(BrokerCounters, PmcPrintsOneTablePerIntervalAsJson) {
  Broker broker(unique_segment());
  ASSERT_TRUE(broker.wait_ready()) << broker.last_error();
  const RunResult r = run({SYSRING_CLI_PATH, "--segment", broker.segment(), "--json", "pmc",
                           "--count", "2", "--interval-ms", "1100"},
                          15s);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  const std::string checker =
      "import json,sys\n"
      "lines=[json.loads(l) for l in sys.stdin.read().splitlines()]\n"
      "assert len(lines)==2, len(lines)\n"
      "d=lines[-1]\n"
      "assert d['type']=='pmc' and d['counters'], d\n"
      "scopes=[s['scope'] for s in d['scopes']]\n"
      "assert scopes[0]=='all' and 'cpu0' in scopes, scopes\n"
      "ev=d['scopes'][0]['events']\n"
      "assert ev, d\n"
      "valid=[e for e in ev.values() if e['valid']]\n"
      "assert valid, ev\n"
      "assert all(e['per_second']>=0 and 0<=e['running_share']<=1.0000001 for e in valid), ev\n";
  char path[] = "/tmp/sysring-pmc-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, r.out.data(), r.out.size()), static_cast<ssize_t>(r.out.size()));
  ::close(fd);
  const RunResult verdict =
      run({"/bin/sh", "-c", std::string(PYTHON3_PATH) + " -c \"$0\" < \"$1\"", checker, path});
  ::unlink(path);
  EXPECT_TRUE(verdict.exited(0)) << verdict.describe() << "\noutput was: " << r.out;
}

TEST_F(BrokerCounters, PmcTableShowsEveryCpu) {
  Broker broker(unique_segment());
  ASSERT_TRUE(broker.wait_ready()) << broker.last_error();
  const RunResult r = run({SYSRING_CLI_PATH, "--segment", broker.segment(), "pmc", "--count", "1",
                           "--interval-ms", "1100"},
                          15s);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("counters: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("COUNTED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nall "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\ncpu0 "), std::string::npos) << r.out;
}
#endif

}  // namespace
}  // namespace sysring
