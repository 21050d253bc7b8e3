// The broker's performance counters end to end with the real binaries: what it counts (hardware
// events, or the software fallback on a machine without a PMU) is stated in the log and the
// descriptors, the per-CPU counters are the cpu-domain `pmc.*` families (one value per CPU
// instance) and the `pmc.all.*` sums, CounterSample reads both, `sysring pmc` shows every CPU,
// and bad or contradictory counter flags fail in one line.
// Needs root (or CAP_PERFMON) for counting; skips itself otherwise.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "process_util.hpp"
#include "sysring/client.hpp"
#include "sysring/counter_sample.hpp"

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

// The live CPU instances' names ("cpu0", ...), in the order CounterSample::cpu_scopes gives.
std::vector<std::string> live_cpus(const Client& client) {
  std::vector<const Instance*> cpus = client.instances()->live(InstanceDomain::Cpu);
  std::sort(cpus.begin(), cpus.end(), [](const Instance* a, const Instance* b) {
    return std::stoul(*a->label("cpu")) < std::stoul(*b->label("cpu"));
  });
  std::vector<std::string> names;
  for (const Instance* cpu : cpus) names.push_back(cpu->name);
  return names;
}

// Waits (at most 5 s) until CPU `cpu`'s value of `family` reads ok through a handle.
bool cpu_counter_reads(const Client& client, MetricId family, const std::string& cpu,
                       CounterTotals& out) {
  return wait_until(
      [&] {
        const auto handle = client.bind(family, cpu);
        return handle && client.read_counter(*handle, out) == ReadStatus::kOk;
      },
      5s, 50ms);
}

TEST_F(BrokerCounters, TheLogAndDescriptorsSayWhatIsCounted) {
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error() << broker.process().err();
  const std::string summary = client->counters_summary();
  ASSERT_FALSE(summary.empty());
  EXPECT_NE(broker.process().err().find("counters: " + summary), std::string::npos)
      << broker.process().err();
  const Descriptor* per_cpu = client->descriptor(MetricId::pmc_context_switches);
  ASSERT_NE(per_cpu, nullptr);
  EXPECT_EQ(per_cpu->domain, InstanceDomain::Cpu) << "one value per CPU instance";
  EXPECT_EQ(per_cpu->type, ValueType::Counter);
  if (available(*client, MetricId::pmc_all_cycles)) {
    // A machine with a PMU: the six hardware events.
    EXPECT_TRUE(available(*client, MetricId::pmc_all_instructions));
    EXPECT_TRUE(available(*client, MetricId::pmc_cycles));
    CounterTotals cycles;
    EXPECT_TRUE(cpu_counter_reads(*client, MetricId::pmc_cycles, "cpu0", cycles));
  } else {
    // No PMU (our VMs): the software fallback, said plainly, and never a zero cycle count.
    EXPECT_NE(summary.find("software"), std::string::npos) << summary;
    EXPECT_TRUE(available(*client, MetricId::pmc_all_context_switches)) << summary;
    EXPECT_TRUE(available(*client, MetricId::pmc_cpu_migrations)) << summary;
    CounterTotals migrations;
    EXPECT_TRUE(cpu_counter_reads(*client, MetricId::pmc_cpu_migrations, "cpu0", migrations));
    EXPECT_FALSE(available(*client, MetricId::pmc_cycles));
    const Descriptor* cycles = client->descriptor(MetricId::pmc_all_cycles);
    ASSERT_NE(cycles, nullptr);
    EXPECT_NE(cycles->unavailable_reason.find(summary), std::string::npos)
        << cycles->unavailable_reason;
    CounterTotals t;
    EXPECT_EQ(client->read_counter(MetricId::pmc_all_cycles, t), ReadStatus::kUnavailable);
  }
  if (per_cpu->available) {
    EXPECT_FALSE(per_cpu->detail.empty());
  }
}

TEST_F(BrokerCounters, EveryCpuInstanceHasItsCountersAndTheSumsCoverThem) {
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error() << broker.process().err();
  const std::vector<std::string> cpus = live_cpus(*client);
  ASSERT_EQ(cpus.size(), static_cast<std::size_t>(::sysconf(_SC_NPROCESSORS_ONLN)));
  EXPECT_EQ(CounterSample::cpu_scopes(*client), cpus);
  const MetricId family = MetricId::pmc_context_switches;
  ASSERT_TRUE(available(*client, family)) << client->counters_summary();
  for (const std::string& cpu : cpus) {
    CounterTotals t;
    EXPECT_TRUE(cpu_counter_reads(*client, family, cpu, t)) << cpu;
  }
  // One family read: every CPU from one broker publish, sharing its read time; their sum is
  // what pmc.all reports (taken from the same publish by CounterSample).
  const FamilyValues values = client->read_family(family);
  ASSERT_EQ(values.values.size(), cpus.size());
  for (const InstanceValue& v : values.values) {
    EXPECT_EQ(v.status, ReadStatus::kOk) << v.instance->name;
    EXPECT_EQ(v.counter.read_time_ns, values.values.front().counter.read_time_ns);
  }
  std::vector<std::string> scopes{"all"};
  scopes.insert(scopes.end(), cpus.begin(), cpus.end());
  const std::vector<CounterSample> samples = CounterSample::take_many(*client, scopes);
  ASSERT_EQ(samples.size(), scopes.size());
  const CounterSample::Entry* sum = samples[0].find("context_switches");
  ASSERT_NE(sum, nullptr);
  ASSERT_EQ(sum->status, ReadStatus::kOk);
  std::uint64_t total = 0;
  for (std::size_t i = 1; i < samples.size(); ++i) {
    EXPECT_EQ(samples[i].scope(), cpus[i - 1]);
    const CounterSample::Entry* e = samples[i].find("context_switches");
    ASSERT_NE(e, nullptr) << samples[i].scope();
    ASSERT_EQ(e->status, ReadStatus::kOk) << samples[i].scope();
    EXPECT_EQ(e->id, family);
    EXPECT_EQ(e->totals.read_time_ns, sum->totals.read_time_ns) << "one broker read";
    total += e->totals.count;
  }
  EXPECT_EQ(total, sum->totals.count) << "the sum is the CPUs' counts from the same read";
  // A CPU scope that names no live CPU reads as gone, never as zeros.
  const CounterSample none = CounterSample::take(*client, "cpu9999");
  ASSERT_FALSE(none.entries().empty());
  for (const CounterSample::Entry& e : none.entries()) EXPECT_EQ(e.status, ReadStatus::kGone);
}

TEST_F(BrokerCounters, ChosenEventsAreTheOnlyOnesCounted) {
  Broker broker(unique_segment(), 100, {"--pmc-events", "context-switches,cpu-migrations"});
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error() << broker.process().err();
  EXPECT_TRUE(available(*client, MetricId::pmc_all_context_switches));
  EXPECT_TRUE(available(*client, MetricId::pmc_cpu_migrations));
  EXPECT_FALSE(available(*client, MetricId::pmc_page_faults));
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
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error();
  std::string expected = "all";
  for (const std::string& cpu : live_cpus(*client)) expected += "," + cpu;
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
      "assert scopes==sys.argv[1].split(','), (scopes, sys.argv[1])\n"
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
      run({"/bin/sh", "-c", std::string(PYTHON3_PATH) + " -c \"$0\" \"$2\" < \"$1\"", checker, path,
           expected});
  ::unlink(path);
  EXPECT_TRUE(verdict.exited(0)) << verdict.describe() << "\noutput was: " << r.out;
}

TEST_F(BrokerCounters, PmcTableShowsEveryCpu) {
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error();
  const RunResult r = run({SYSRING_CLI_PATH, "--segment", broker.segment(), "pmc", "--count", "1",
                           "--interval-ms", "1100"},
                          15s);
  ASSERT_TRUE(r.exited(0)) << r.describe();
  EXPECT_NE(r.out.find("counters: "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("COUNTED"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nall "), std::string::npos) << r.out;
  for (const std::string& cpu : live_cpus(*client)) {
    EXPECT_NE(r.out.find("\n" + cpu + " "), std::string::npos) << r.out;
  }
}
#endif

}  // namespace
}  // namespace sysring
