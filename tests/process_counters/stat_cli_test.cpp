// `sysring stat`: the report's format (tools/sysring/stat_report) and the real binary against a
// fake broker in this process (--request-socket): the command's exit status (and 128+N for a
// signal), perf stat's layout on stderr, <not supported> hardware events, -I intervals, --json,
// -p PID until the process exits or Ctrl-C, a refusal that never runs the command, no broker.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "fake_broker.hpp"
#include "stat_report.hpp"

namespace sysring {
namespace {

using namespace std::chrono_literals;
using cli::StatLine;

// ---- Format ----

TEST(StatReport, ThousandsAreGrouped) {
  EXPECT_EQ(cli::group_thousands(0), "0");
  EXPECT_EQ(cli::group_thousands(61), "61");
  EXPECT_EQ(cli::group_thousands(999), "999");
  EXPECT_EQ(cli::group_thousands(1000), "1,000");
  EXPECT_EQ(cli::group_thousands(61234), "61,234");
  EXPECT_EQ(cli::group_thousands(1234567), "1,234,567");
  EXPECT_EQ(cli::group_thousands(18446744073709551615ULL), "18,446,744,073,709,551,615");
}

TEST(StatReport, LinesAsPerfStatPrintsThem) {
  const std::vector<StatLine> lines =
      cli::stat_lines({"task-clock", "page-faults", "cycles", "instructions", "branches",
                       "branch-misses", "context-switches"},
                      {
                          scale_counter("task-clock", 250'000'000, 1000, 1000),  // 250 ms
                          scale_counter("page-faults", 61, 1000, 1000),  // 244/s of task clock
                          scale_counter("instructions", 3'000'000, 1000, 500),  // 50% running, 6 M
                          scale_counter("cycles", 2'000'000, 1000, 1000),       //
                          scale_counter("branches", 1'000'000, 1000, 1000),     //
                          scale_counter("branch-misses", 12'345, 1000, 1000),   //
                          scale_counter("context-switches", 0, 1000, 0),        // never ran
                      },
                      {});
  const double wall = 500'000'000;  // 0.5 s
  EXPECT_EQ(cli::stat_event_line(lines[0], lines, wall),
            "            250.00 msec task-clock                       #    0.500 CPUs utilized");
  EXPECT_EQ(cli::stat_event_line(lines[1], lines, wall),
            "                61      page-faults                      #  244.000 /sec");
  EXPECT_EQ(cli::stat_event_line(lines[2], lines, wall),
            "         2,000,000      cycles                           #    0.008 GHz");
  EXPECT_EQ(cli::stat_event_line(lines[3], lines, wall),
            "         6,000,000      instructions                     #    3.00  insn per cycle"
            "            (50.00%)");
  EXPECT_EQ(cli::stat_event_line(lines[4], lines, wall),
            "         1,000,000      branches                         #    4.000 M/sec");
  EXPECT_EQ(cli::stat_event_line(lines[5], lines, wall),
            "            12,345      branch-misses                    #    1.23% of all branches");
  EXPECT_EQ(cli::stat_event_line(lines[6], lines, wall),
            "     <not counted>      context-switches");
}

TEST(StatReport, UnsupportedEventsAndTheWholeReport) {
  const std::vector<StatLine> lines =
      cli::stat_lines({"task-clock", "cycles"}, {scale_counter("task-clock", 1'500'000, 9, 9)},
                      {{"cycles", "the broker refused: cannot open cycles"}});
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_FALSE(lines[1].value);
  EXPECT_EQ(lines[1].reason, "the broker refused: cannot open cycles");
  EXPECT_EQ(cli::stat_event_line(lines[1], lines, 1e6), "   <not supported>      cycles");
  const std::string text = cli::stat_text("'./prog a b'", lines, 2'000'000);
  EXPECT_EQ(text,
            "\n Performance counter stats for './prog a b':\n\n"
            "              1.50 msec task-clock                       #    0.750 CPUs utilized\n"
            "   <not supported>      cycles\n"
            "\n       0.002000000 seconds time elapsed\n\n");
  const std::string interval = cli::stat_interval_text(1.5, lines, 1e9, true);
  EXPECT_EQ(interval.substr(0, interval.find('\n')),
            "#           time             counts unit events");
  EXPECT_NE(interval.find("     1.500000000               1.50 msec task-clock"), std::string::npos)
      << interval;
  const std::string json = cli::stat_json("'x'", lines, 2e6, std::nullopt, 7);
  EXPECT_EQ(json.rfind("{\"target\":\"'x'\",\"elapsed_s\":0.002,\"exit_status\":7,", 0), 0u)
      << json;
  EXPECT_NE(json.find("{\"event\":\"cycles\",\"supported\":false,\"reason\":"), std::string::npos);
  EXPECT_NE(json.find("\"cpus_utilized\":0.75"), std::string::npos) << json;
}

// ---- The binary ----

struct CliRun {
  int status = -1;  // the shell's view: exit code, or 128+N
  std::string err;  // stderr
  std::string out;  // stdout
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class StatCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::software_perf_available())
      GTEST_SKIP() << "perf_event_open of a software event is not allowed here";
  }
  // Starts `sysring ARGS` with stdout and stderr to files; returns its pid.
  pid_t start(std::vector<std::string> args) {
    args.insert(args.begin(), SYSRING_CLI);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out = dir_ / "out", err = dir_ / "err";
    const pid_t pid = ::fork();
    if (pid == 0) {
      const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(o, 1);
      ::dup2(e, 2);
      ::execv(argv[0], argv.data());
      ::_exit(99);
    }
    return pid;
  }
  CliRun finish(pid_t pid) {
    CliRun r;
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = slurp(dir_ / "out");
    r.err = slurp(dir_ / "err");
    return r;
  }
  CliRun run(std::vector<std::string> args) { return finish(start(std::move(args))); }
  std::vector<std::string> stat(std::vector<std::string> rest) {
    std::vector<std::string> args = {"stat", "--request-socket", dir_ / "b.sock"};
    args.insert(args.end(), rest.begin(), rest.end());
    return args;
  }

  test::TempDir dir_;
};

TEST_F(StatCli, ExitsWithTheCommandsStatusAndPrintsPerfStatsReport) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  const CliRun r = run(stat({"--", "sh", "-c", "echo hello; exit 7"}));
  EXPECT_EQ(r.status, 7) << r.err;
  EXPECT_EQ(r.out, "hello\n");  // the command's output alone on stdout
  EXPECT_NE(r.err.find("\n Performance counter stats for 'sh -c echo hello; exit 7':\n\n"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(std::regex_search(
      r.err, std::regex(R"(\n +[0-9]+\.[0-9]{2} msec task-clock +# +[0-9.]+ CPUs utilized\n)")))
      << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(\n +[0-9,]+      context-switches )")))
      << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(\n +[0-9,]+      page-faults )"))) << r.err;
  for (const char* hw : {"cycles", "instructions", "branches", "branch-misses"}) {
    EXPECT_NE(r.err.find(std::string("   <not supported>      ") + hw + "\n"), std::string::npos)
        << hw << "\n"
        << r.err;
  }
  EXPECT_TRUE(
      std::regex_search(r.err, std::regex(R"(\n +[0-9]+\.[0-9]{9} seconds time elapsed\n)")))
      << r.err;
  // The child was asked for with enable_on_exec, as the caller's own.
  const std::vector<test::FakeRequest> seen = fake.requests();
  ASSERT_FALSE(seen.empty());
  EXPECT_TRUE(seen[0].enable_on_exec);
  EXPECT_GT(seen[0].pid, 0);
}

TEST_F(StatCli, ADeathBySignalIs128PlusTheSignal) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  EXPECT_EQ(run(stat({"-e", "task-clock", "--", "sh", "-c", "kill -TERM $$"})).status, 143);
  EXPECT_EQ(run(stat({"-e", "task-clock", "--", "sh", "-c", "kill -KILL $$"})).status, 137);
  EXPECT_EQ(run(stat({"-e", "task-clock", "--", "true"})).status, 0);
}

TEST_F(StatCli, AMissingCommandIs127) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  const CliRun r = run(stat({"-e", "task-clock", "--", "/nonexistent/cmd"}));
  EXPECT_EQ(r.status, 127);
  EXPECT_NE(r.err.find("sysring: error: cannot run /nonexistent/cmd: No such file"),
            std::string::npos)
      << r.err;
}

TEST_F(StatCli, ExplicitEventsAreStrict) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  const CliRun ok = run(stat({"-e", "task-clock,page-faults", "--", "true"}));
  EXPECT_EQ(ok.status, 0);
  EXPECT_EQ(ok.err.find("context-switches"), std::string::npos) << ok.err;
  EXPECT_NE(ok.err.find("page-faults"), std::string::npos) << ok.err;
  // An event the broker will not open, asked by name: an error, the command never runs.
  const std::string marker = dir_ / "ran";
  const CliRun refused = run(stat({"-e", "task-clock", "-e", "cycles", "--", "touch", marker}));
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.err.find("sysring: error: the broker refused: cannot open cycles"),
            std::string::npos)
      << refused.err;
  EXPECT_EQ(std::count(refused.err.begin(), refused.err.end(), '\n'), 1);
  EXPECT_NE(::access(marker.c_str(), F_OK), 0);
}

TEST_F(StatCli, IntervalsPrintDeltasWithTheirTimes) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  const CliRun r = run(stat({"-e", "task-clock", "-I", "100", "--", "sh", "-c",
                             "i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done"}));
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.rfind("#           time             counts unit events\n", 0), 0u) << r.err;
  const std::regex line(R"( +([0-9]+\.[0-9]{9}) +([0-9]+\.[0-9]{2}) msec task-clock)");
  int intervals = 0;
  double last_time = 0, total_ms = 0;
  for (auto it = std::sregex_iterator(r.err.begin(), r.err.end(), line);
       it != std::sregex_iterator(); ++it) {
    const double t = std::stod((*it)[1]);
    EXPECT_GT(t, last_time);
    last_time = t;
    total_ms += std::stod((*it)[2]);
    ++intervals;
  }
  EXPECT_GE(intervals, 1) << r.err;
  // Each interval's delta is at most its own length (one CPU).
  EXPECT_LE(total_ms, last_time * 1000 * 1.05 + 5) << r.err;
  EXPECT_EQ(r.err.find("seconds time elapsed"), std::string::npos);
}

TEST_F(StatCli, JsonIsOneObjectWithTheExitStatus) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  const CliRun r = run(stat({"--json", "--", "sh", "-c", "exit 3"}));
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_EQ(r.err.rfind("{\"target\":\"'sh -c exit 3'\",\"elapsed_s\":", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("\"exit_status\":3,"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("{\"event\":\"task-clock\",\"supported\":true,\"counted\":true,"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("{\"event\":\"cycles\",\"supported\":false,"), std::string::npos);
}

TEST_F(StatCli, PidIsCountedUntilItExits) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  const pid_t target = ::fork();
  ASSERT_GE(target, 0);
  if (target == 0) {
    // Time for sysring to attach, then 300 ms of CPU time (whatever the machine's load).
    ::usleep(300'000);
    volatile std::uint64_t sink = 0;
    timespec cpu{};
    do {
      for (int i = 0; i < 100000; ++i) sink = sink + 1;
      ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    } while (cpu.tv_sec == 0 && cpu.tv_nsec < 300'000'000);
    ::_exit(0);
  }
  const pid_t cli = start(stat({"-e", "task-clock", "-p", std::to_string(target)}));
  ::waitpid(target, nullptr, 0);  // a zombie is not reaped by us until it ended: both work
  const CliRun r = finish(cli);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(
      r.err.find("Performance counter stats for process id '" + std::to_string(target) + "':"),
      std::string::npos)
      << r.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex(R"(([0-9]+\.[0-9]{2}) msec task-clock)")))
      << r.err;
  EXPECT_GT(std::stod(m[1]), 30.0) << r.err;  // most of its 300 ms of CPU
  EXPECT_EQ(fake.requests().at(0).pid, target);
  EXPECT_FALSE(fake.requests().at(0).enable_on_exec);
}

TEST_F(StatCli, PidUntilCtrlC) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  const pid_t target = ::fork();
  ASSERT_GE(target, 0);
  if (target == 0) {
    ::pause();
    ::_exit(0);
  }
  const pid_t cli =
      start(stat({"-e", "task-clock,context-switches", "-p", std::to_string(target)}));
  ::usleep(400'000);
  ::kill(cli, SIGINT);
  const auto t0 = std::chrono::steady_clock::now();
  const CliRun r = finish(cli);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  ::kill(target, SIGKILL);
  ::waitpid(target, nullptr, 0);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("seconds time elapsed"), std::string::npos) << r.err;
}

TEST_F(StatCli, NoBrokerIsOneErrorLine) {
  const CliRun r = run(stat({"--", "true"}));
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err.rfind("sysring: error: cannot connect to the broker's request socket", 0), 0u)
      << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

TEST_F(StatCli, UsageErrors) {
  EXPECT_EQ(run({"stat"}).status, 2);
  EXPECT_EQ(run({"stat", "-p", "1", "--", "true"}).status, 2);
  EXPECT_EQ(run({"stat", "-p", "0"}).status, 2);
  EXPECT_EQ(run({"stat", "-e", "a,,b", "--", "true"}).status, 2);
  EXPECT_EQ(run({"list", "-e", "cycles"}).status, 2);
  EXPECT_EQ(run({"list", "-p", "1"}).status, 2);
  const CliRun help = run({"--help"});
  EXPECT_NE(help.out.find("stat [-e EVENTS] [-p PID] [-I MS]"), std::string::npos);
}

}  // namespace
}  // namespace sysring
