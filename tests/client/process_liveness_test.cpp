// The broker liveness rule (client-lib/process_liveness.hpp): /proc/PID/stat parsing, zombies,
// pid reuse (a process younger than the segment) and pids no process can have.
#include "process_liveness.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace sysring::detail {
namespace {

std::uint64_t monotonic_now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// Fields 3..52 of a real line, after "PID (comm)".
constexpr const char* kTail =
    " S 1 1234 1234 0 -1 4194560 1520 0 0 0 3 7 0 0 20 0 1 0 987654 12345678 456 "
    "18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";

TEST(ProcStat, ParsesStateAndStartTime) {
  const auto stat = parse_proc_stat(std::string("4242 (sysringd)") + kTail);
  ASSERT_TRUE(stat);
  EXPECT_EQ(stat->state, 'S');
  EXPECT_EQ(stat->start_ticks, 987654u);
}

TEST(ProcStat, CommWithSpacesAndParenthesesIsSkippedFromTheLastParenthesis) {
  for (const std::string comm : {"a b", ") Z (", "x) 9 (y", "((", "))", "", "(  )"}) {
    const auto stat = parse_proc_stat("4242 (" + comm + ")" + kTail);
    ASSERT_TRUE(stat) << comm;
    EXPECT_EQ(stat->state, 'S') << comm;
    EXPECT_EQ(stat->start_ticks, 987654u) << comm;
  }
  const auto zombie = parse_proc_stat(
      "7 (evil) Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 "
      "55 66\n");
  ASSERT_TRUE(zombie);
  EXPECT_EQ(zombie->state, 'Z');
  EXPECT_EQ(zombie->start_ticks, 55u);
}

TEST(ProcStat, MalformedTextIsRefused) {
  EXPECT_FALSE(parse_proc_stat(""));
  EXPECT_FALSE(parse_proc_stat("4242 sysringd S 1"));                     // no parentheses
  EXPECT_FALSE(parse_proc_stat("4242 (sysringd) S 1 2 3"));               // cut before field 22
  EXPECT_FALSE(parse_proc_stat("4242 (sysringd)  S 1 2 3 4 5 6 7 8 9"));  // empty field
  EXPECT_FALSE(
      parse_proc_stat("4242 (sysringd) SS 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 "
                      "19 20"));  // state not one char
  EXPECT_FALSE(
      parse_proc_stat("4242 (sysringd) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 "
                      "-5"));  // start not a number
  EXPECT_FALSE(parse_proc_stat(") S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 ("));
}

TEST(ProcStat, ThisProcessParsesAsRunning) {
  std::ifstream in("/proc/self/stat");
  if (!in) GTEST_SKIP() << "no /proc";
  std::stringstream text;
  text << in.rdbuf();
  const auto stat = parse_proc_stat(text.str());
  ASSERT_TRUE(stat) << text.str();
  EXPECT_EQ(stat->state, 'R');
  EXPECT_GT(stat->start_ticks, 0u);
}

TEST(BrokerProcessRunning, PidsNoProcessCanHaveAreNotRunning) {
  EXPECT_FALSE(broker_process_running(0, monotonic_now_ns()));
  EXPECT_FALSE(broker_process_running(0xFFFFFFFFu, monotonic_now_ns()));
  EXPECT_FALSE(broker_process_running(0x80000000u, monotonic_now_ns()));
}

TEST(BrokerProcessRunning, ThisProcessIsTheBrokerOfASegmentCreatedNowButNotOfAnOlderOne) {
  const auto self = static_cast<std::uint32_t>(::getpid());
  EXPECT_TRUE(broker_process_running(self, monotonic_now_ns()));
  EXPECT_TRUE(broker_process_running(self, 0));  // no stamp: only kill() and the state count
  if (::access("/proc/self/stat", R_OK) != 0) GTEST_SKIP() << "no /proc";
  // A segment created 1 ns after boot cannot have been created by a process that started after
  // it, with any time suspended since: the pid was reused.
  EXPECT_FALSE(broker_process_running(self, 1));
}

TEST(BrokerProcessRunning, ZombieAndReapedChildAreNotRunning) {
  if (::access("/proc/self/stat", R_OK) != 0) GTEST_SKIP() << "no /proc (macOS: kill() only)";
  const std::uint64_t created = monotonic_now_ns();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) ::_exit(0);
  const auto pid = static_cast<std::uint32_t>(child);
  // Not reaped: a zombie as soon as it has exited (bounded wait).
  bool zombie = false;
  for (int i = 0; i < 500 && !zombie; ++i) {
    std::ifstream in("/proc/" + std::to_string(child) + "/stat");
    std::stringstream text;
    text << in.rdbuf();
    const auto stat = parse_proc_stat(text.str());
    zombie = stat && stat->state == 'Z';
    if (!zombie) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (zombie) {
    EXPECT_EQ(::kill(child, 0), 0) << "kill(pid, 0) succeeds on a zombie";
    EXPECT_FALSE(broker_process_running(pid, created)) << "a zombie is not a running broker";
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_FALSE(broker_process_running(pid, created));
  ASSERT_TRUE(zombie) << "the child never showed state Z within 5 s";
}

}  // namespace
}  // namespace sysring::detail
