// sysringd and signals (issue 14): SIGHUP (its terminal closed) is a clean stop like SIGTERM,
// SIGPIPE is ignored, and a broker killed with SIGKILL whose parent has not reaped it (a zombie,
// as under a container's PID 1) no longer holds its name: a new broker starts at once.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "process_util.hpp"
#include "sysring/client.hpp"

namespace sysring {
namespace {

using namespace itest;

// Field 3 of /proc/PID/stat, read after the last ')' (the command name may hold any byte), or
// 0 if it cannot be read.
char proc_state(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::stringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  const std::size_t close = s.rfind(')');
  return close == std::string::npos || close + 2 >= s.size() ? '\0' : s[close + 2];
}

// The signal numbers a process ignores: /proc/PID/status "SigIgn:" bit signo - 1.
bool ignores(pid_t pid, int signo) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("SigIgn:", 0) != 0) continue;
    const std::uint64_t mask = std::stoull(line.substr(7), nullptr, 16);
    return (mask >> (signo - 1)) & 1U;
  }
  return false;
}

TEST(Signals, SighupStopsAForegroundBrokerCleanly) {
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error();
  broker.process().signal(SIGHUP);
  const auto status = broker.process().wait(3s);
  ASSERT_TRUE(status) << "broker did not exit within 3 s of SIGHUP";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << describe_status(*status) << "; stderr: " << broker.process().err();
  EXPECT_FALSE(shm_exists(broker.segment())) << "segment name left behind";
  EXPECT_EQ(client->info().state, layout::BrokerState::kClosed);
  EXPECT_EQ(client->health(), BrokerHealth::kGone);
  EXPECT_NE(broker.process().err().find("stopped by SIGHUP"), std::string::npos)
      << broker.process().err();
}

TEST(Signals, SigpipeIsIgnored) {
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error();
  if (::access("/proc/self/status", R_OK) == 0) {
    EXPECT_TRUE(ignores(broker.process().pid(), SIGPIPE));
  }
  broker.process().signal(SIGPIPE);
  // Two ticks later it still runs and beats.
  std::this_thread::sleep_for(250ms);
  EXPECT_TRUE(broker.process().running());
  EXPECT_FALSE(broker.process().wait(1ms)) << "the broker died of SIGPIPE";
  EXPECT_EQ(client->health(), BrokerHealth::kAlive);
  broker.process().signal(SIGTERM);
  const auto status = broker.process().wait(3s);
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << describe_status(*status);
}

TEST(Signals, UnreapedKilledBrokerFreesItsNameAtOnce) {
  if (::access("/proc/self/stat", R_OK) != 0) GTEST_SKIP() << "needs /proc to see the zombie";
  const std::string name = unique_segment();
  // A 1 s tick: its last heartbeat stays fresh (3 ticks) for 3 s after the kill, so only the
  // process check can tell that the broker is gone.
  Broker first(name, 1000);
  auto client = first.wait_ready();
  ASSERT_TRUE(client) << first.last_error();
  const std::uint64_t old_epoch = client->info().epoch;
  first.release_name();
  const pid_t old_pid = first.process().pid();
  ::kill(old_pid, SIGKILL);  // and no waitpid: this test process is a parent that never reaps
  ASSERT_TRUE(wait_until([&] { return proc_state(old_pid) == 'Z'; }, 2s, 1ms))
      << "state " << proc_state(old_pid);
  const auto killed = Clock::now();
  ASSERT_EQ(::kill(old_pid, 0), 0) << "kill(pid, 0) still succeeds on the zombie";
  EXPECT_EQ(client->health(), BrokerHealth::kGone) << "a zombie broker is not alive";
  EXPECT_TRUE(shm_exists(name));

  Broker second(name);
  auto fresh = second.wait_ready(3s);
  const auto took =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed).count();
  ASSERT_TRUE(fresh) << "the new broker did not start while the old one is a zombie: "
                     << second.last_error() << "; stderr: " << second.process().err();
  // Within one tick of the old broker, not after its heartbeat went stale (3 s).
  EXPECT_LT(took, 1000) << "new broker serving " << took << " ms after the kill";
  EXPECT_EQ(proc_state(old_pid), 'Z') << "the old broker must still be an unreaped zombie";
  EXPECT_NE(fresh->info().epoch, old_epoch);
  ASSERT_TRUE(client->reattach());
  EXPECT_EQ(client->info().broker_pid, static_cast<std::uint32_t>(second.process().pid()));
  EXPECT_EQ(client->health(), BrokerHealth::kAlive);
  Scalar total;
  EXPECT_EQ(client->read(MetricId::mem_total, total), ReadStatus::kOk);
  // ~Broker reaps the zombie (kill_now on a process it never waited for).
}

}  // namespace
}  // namespace sysring
