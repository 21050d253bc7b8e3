// Real CPU hotplug under the broker: CPU 1 is taken offline and brought back while sysringd
// counts. Its instance "cpu1" must be removed (handles to it read kGone, never a frozen or zero
// value; `sysring instances` shows it gone and `watch` says "- cpu cpu1"), the sums must keep
// growing, and when it returns it is a new instance (a new registration) whose counters were
// re-opened and continue from where they stopped: pmc totals never go back.
// Runs where the machine allows it (root, a CPU 1 with a writable `online` file); CPU 1 is
// always put back online, even when an assertion fails.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "process_util.hpp"
#include "sysring/client.hpp"
#include "sysring/counter_sample.hpp"

namespace sysring {
namespace {

using namespace itest;

constexpr const char* kCpu1Online = "/sys/devices/system/cpu/cpu1/online";
constexpr MetricId kFamily = MetricId::pmc_context_switches;
constexpr MetricId kSum = MetricId::pmc_all_context_switches;

bool write_online(const char* value) {
  std::ofstream f(kCpu1Online);
  f << value;
  f.flush();
  return static_cast<bool>(f);
}

std::string read_online() {
  std::ifstream f(kCpu1Online);
  std::string s;
  f >> s;
  return s;
}

// Puts CPU 1 back online whatever happens to the test.
struct Cpu1Restorer {
  ~Cpu1Restorer() { (void)write_online("1"); }
};

ReadStatus read_status(const Client& client, const InstanceHandle& handle, CounterTotals& out) {
  ReadStatus st = ReadStatus::kBusy;
  for (int i = 0; i < 10 && st == ReadStatus::kBusy; ++i) st = client.read_counter(handle, out);
  return st;
}

ReadStatus read_sum(const Client& client, CounterTotals& out) {
  ReadStatus st = ReadStatus::kBusy;
  for (int i = 0; i < 10 && st == ReadStatus::kBusy; ++i) st = client.read_counter(kSum, out);
  return st;
}

// Waits (at most 5 s) until a live instance "cpu1" reads ok; returns its handle.
std::optional<InstanceHandle> wait_for_live_cpu1(const Client& client, CounterTotals& out) {
  std::optional<InstanceHandle> handle;
  wait_until(
      [&] {
        handle = client.bind(kFamily, "cpu1");
        return handle && read_status(client, *handle, out) == ReadStatus::kOk;
      },
      5s, 50ms);
  return handle && read_status(client, *handle, out) == ReadStatus::kOk ? handle : std::nullopt;
}

TEST(CpuHotplug, AnOfflineCpuIsGoneAndReturnsAsANewInstanceWhoseCountersContinue) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to take a CPU offline";
  if (read_online() != "1") GTEST_SKIP() << kCpu1Online << " is missing or CPU 1 is not online";
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error() << broker.process().err();
  CounterTotals before;
  const auto first = wait_for_live_cpu1(*client, before);
  ASSERT_TRUE(first) << "cpu1's " << client->descriptor(kFamily)->name
                     << " never read ok: " << client->counters_summary();
  CounterTotals sum_before;
  ASSERT_EQ(read_sum(*client, sum_before), ReadStatus::kOk);

#ifdef SYSRING_CLI_PATH
  Process watch({SYSRING_CLI_PATH, "--segment", broker.segment(), "watch"});
#endif
  Cpu1Restorer restore;
  if (!write_online("0")) GTEST_SKIP() << "cannot take CPU 1 offline here (" << kCpu1Online << ")";
  CounterTotals offline;
  ASSERT_TRUE(wait_until([&] { return read_status(*client, *first, offline) == ReadStatus::kGone; },
                         5s, 50ms))
      << "CPU 1 is offline but its handle still reads "
      << to_string(read_status(*client, *first, offline));
  {
    const auto directory = client->instances();
    EXPECT_EQ(directory->find(InstanceDomain::Cpu, "cpu1"), nullptr) << "cpu1 is still live";
    EXPECT_EQ(client->bind(kFamily, "cpu1"), std::nullopt);
    for (const std::string& scope : CounterSample::cpu_scopes(*client)) EXPECT_NE(scope, "cpu1");
    const CounterSample gone = CounterSample::take(*client, "cpu1");
    for (const CounterSample::Entry& e : gone.entries()) {
      EXPECT_EQ(e.status, ReadStatus::kGone) << e.event;
    }
  }
#ifdef SYSRING_CLI_PATH
  const RunResult instances =
      run({SYSRING_CLI_PATH, "--segment", broker.segment(), "--json", "instances", "cpu"});
  ASSERT_TRUE(instances.exited(0)) << instances.describe();
  EXPECT_NE(instances.out.find(R"("name":"cpu1","instance_id":)"), std::string::npos)
      << instances.out;
  EXPECT_NE(instances.out.find(R"("state":"gone")"), std::string::npos) << instances.out;
#endif
  CounterTotals sum_offline;
  ASSERT_EQ(read_sum(*client, sum_offline), ReadStatus::kOk);
  EXPECT_GE(sum_offline.count, sum_before.count) << "the sum went back when a CPU left";

  ASSERT_TRUE(write_online("1"));
  CounterTotals back;
  const auto second = wait_for_live_cpu1(*client, back);
  ASSERT_TRUE(second) << "CPU 1 is online again but no live cpu1 reads";
  EXPECT_NE(second->registration, first->registration) << "a returning CPU is a new instance";
  EXPECT_EQ(read_status(*client, *first, offline), ReadStatus::kGone)
      << "the old handle stays gone";
  EXPECT_GE(back.count, before.count) << "a re-opened counter went back";
  EXPECT_GE(back.time_enabled_ns, before.time_enabled_ns);
  // And it keeps counting forward from there.
  CounterTotals later = back;
  EXPECT_TRUE(wait_until(
      [&] {
        return read_status(*client, *second, later) == ReadStatus::kOk &&
               later.read_time_ns > back.read_time_ns;
      },
      5s, 50ms));
  EXPECT_GE(later.count, back.count);
  CounterTotals sum_back;
  ASSERT_EQ(read_sum(*client, sum_back), ReadStatus::kOk);
  EXPECT_GE(sum_back.count, sum_offline.count) << "the sum went back";
  EXPECT_TRUE(broker.process().running());

#ifdef SYSRING_CLI_PATH
  // The watch saw cpu1 leave and come back, with its label.
  EXPECT_TRUE(wait_until(
      [&] {
        return watch.out().find("\n  + cpu cpu1 {cpu=\"1\"}\n",
                                watch.out().find("\n  - cpu cpu1\n")) != std::string::npos;
      },
      3s, 50ms))
      << watch.out().substr(0, 4000);
  watch.signal(SIGINT);
  const auto status = watch.wait(3s);
  EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << (status ? describe_status(*status) : "still running") << watch.err();
#endif
}

}  // namespace
}  // namespace sysring
