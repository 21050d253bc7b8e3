// Real CPU hotplug under the broker: CPU 1 is taken offline and brought back while sysringd
// counts. Its rows must turn unavailable (never a frozen or zero value), the sums must keep
// growing, and after it returns its counters must be re-opened and continue from where they
// stopped. Runs where the machine allows it (root, a CPU 1 with a writable `online` file);
// CPU 1 is always put back online, even when an assertion fails.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "process_util.hpp"
#include "sysring/client.hpp"

namespace sysring {
namespace {

using namespace itest;

constexpr const char* kCpu1Online = "/sys/devices/system/cpu/cpu1/online";

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

ReadStatus read_status(const Client& client, MetricId id, CounterTotals& out) {
  ReadStatus st = ReadStatus::kBusy;
  for (int i = 0; i < 10 && st == ReadStatus::kBusy; ++i) st = client.read_counter(id, out);
  return st;
}

// Polls until `id` reads with status `want` (at most 5 s).
bool wait_for_status(const Client& client, MetricId id, ReadStatus want, CounterTotals& out) {
  return wait_until([&] { return read_status(client, id, out) == want; }, 5s, 50ms);
}

TEST(CpuHotplug, AnOfflineCpuIsUnavailableAndItsCountersContinueWhenItReturns) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to take a CPU offline";
  if (read_online() != "1") GTEST_SKIP() << kCpu1Online << " is missing or CPU 1 is not online";
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error() << broker.process().err();
  const MetricId cpu1 = MetricId::pmc_cpu1_context_switches;
  const MetricId all = MetricId::pmc_all_context_switches;
  CounterTotals before;
  ASSERT_TRUE(wait_for_status(*client, cpu1, ReadStatus::kOk, before))
      << client->counters_summary();

  Cpu1Restorer restore;
  if (!write_online("0")) GTEST_SKIP() << "cannot take CPU 1 offline here (" << kCpu1Online << ")";
  CounterTotals offline;
  ASSERT_TRUE(wait_for_status(*client, cpu1, ReadStatus::kUnavailable, offline))
      << "CPU 1 is offline but its row still reads";
  CounterTotals sum_offline;
  ASSERT_EQ(read_status(*client, all, sum_offline), ReadStatus::kOk);

  ASSERT_TRUE(write_online("1"));
  CounterTotals back;
  ASSERT_TRUE(wait_for_status(*client, cpu1, ReadStatus::kOk, back))
      << "CPU 1 is online again but its counters were not re-opened";
  EXPECT_GE(back.count, before.count) << "a re-opened counter went back";
  EXPECT_GE(back.time_enabled_ns, before.time_enabled_ns);
  CounterTotals sum_back;
  ASSERT_EQ(read_status(*client, all, sum_back), ReadStatus::kOk);
  EXPECT_GE(sum_back.count, sum_offline.count) << "the sum went back";
  EXPECT_TRUE(broker.process().running());
}

}  // namespace
}  // namespace sysring
