// Per-process counters through the broker (docs/PROCESS_COUNTERS.md, issue 15): what a request
// costs, and what reading, starting and stopping the granted counters costs against the same
// calls on a perf fd this process opened itself, in the same run.
//
// Set-up (once, on first use): a real sysringd, started from the build tree (SYSRINGD, else the
// path CMake compiled in) on a private segment and a private request socket in a temporary
// directory, with a config file whose [requests] quotas are at their maxima (65536 per uid): the
// broker counts a grant against the caller until the *target* exits, and here the target is this
// process, so every open_self of the round-trip benchmarks stays on the ledger. They therefore
// run a fixed number of iterations (kRoundTrips per repetition: 10 repetitions of both take
// 15000 counters; more than 43 would hit the quota and skip with the broker's refusal). The
// broker is given 1.5 s to finish its start-up before anything is timed; it is stopped (SIGTERM)
// when this process exits, and gets SIGTERM too if this process dies first (PR_SET_PDEATHSIG).
// Needs what the broker needs to open counters (root here); without it the benchmarks say so and
// skip.
//
// Round trips are wall time (UseRealTime): most of a request is spent in the broker, another
// process, so the caller's CPU time says little; bench/report.py --time real judges them.
#include <fcntl.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sysring/process_counters.hpp"

#ifndef SYSRING_BENCH_SYSRINGD
#define SYSRING_BENCH_SYSRINGD ""
#endif

namespace {

using namespace sysring;

constexpr int kRoundTrips = 300;  // iterations per repetition of each round-trip benchmark
const std::vector<std::string> kFourEvents = {"task-clock", "page-faults", "context-switches",
                                              "cpu-migrations"};

struct BrokerEnv {
  std::string error;  // set when there is no broker to ask
  std::filesystem::path dir;
  std::string segment;
  pid_t broker = -1;
  std::optional<ProcessCounters> four;  // granted once, for read and start/stop
  int own_fd = -1;                      // the baseline: task-clock opened here, no broker

  [[nodiscard]] CounterOptions options(std::vector<std::string> events) const {
    CounterOptions o;
    o.segment = segment;
    o.endpoint = CounterEndpoint{(dir / "requests.sock").string(), std::nullopt};
    o.events = std::move(events);
    return o;
  }

  ~BrokerEnv() {
    four.reset();
    if (own_fd >= 0) ::close(own_fd);
    if (broker > 0) {
      ::kill(broker, SIGTERM);
      int status = 0;
      for (int i = 0; i < 100 && ::waitpid(broker, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (::waitpid(broker, &status, WNOHANG) == 0) {
        ::kill(broker, SIGKILL);
        ::waitpid(broker, &status, 0);
      }
    }
    std::error_code ec;
    if (!dir.empty()) std::filesystem::remove_all(dir, ec);
  }
};

std::string sysringd_path() {
  if (const char* p = std::getenv("SYSRINGD"); p != nullptr && *p != '\0') return p;
  return SYSRING_BENCH_SYSRINGD;
}

// Our own task-clock, as perf stat would open it for itself: user mode only, like the broker's
// grant under `kernel = no`, and the same read_format.
int open_own_task_clock() {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_SOFTWARE;
  attr.config = PERF_COUNT_SW_TASK_CLOCK;
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  attr.disabled = 1;
  attr.inherit = 1;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  return static_cast<int>(::syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC));
}

void start_broker(BrokerEnv& env) {
  const std::string sysringd = sysringd_path();
  if (sysringd.empty() || ::access(sysringd.c_str(), X_OK) != 0) {
    env.error = "no sysringd at '" + sysringd + "' (set SYSRINGD)";
    return;
  }
  char tmpl[] = "/tmp/srbench-requests-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) {
    env.error = "mkdtemp failed";
    return;
  }
  env.dir = tmpl;
  ::chmod(tmpl, 0755);
  env.segment = "/srbench_req" + std::to_string(::getpid());
  {
    std::ofstream conf(env.dir / "sysringd.conf");
    conf << "[requests]\nmax_per_uid = 65536\nmax_total = 1048576\n";
  }
  const std::string socket = (env.dir / "requests.sock").string();
  const std::string conf = (env.dir / "sysringd.conf").string();
  const std::string log = (env.dir / "sysringd.log").string();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    env.error = "fork failed";
    return;
  }
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
    }
    std::vector<std::string> args = {sysringd,      "--foreground", "--segment",        env.segment,
                                     "--tick-ms",   "1000",         "--config",         conf,
                                     "--log-level", "warn",         "--request-socket", socket};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  env.broker = pid;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!std::filesystem::exists(socket) || !std::filesystem::exists("/dev/shm" + env.segment)) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      env.broker = -1;
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      env.error = "sysringd exited at start: " + text.substr(0, 300);
      return;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      env.error = "sysringd did not create its socket and segment in 20 s";
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  // Let its start-up (first tick, segment LIVE) end before anything is timed.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
}

std::unique_ptr<BrokerEnv> make_env() {
  auto env = std::make_unique<BrokerEnv>();
  start_broker(*env);
  if (!env->error.empty()) return env;
  // The first request also proves the broker grants here (a refusal is the skip's reason).
  try {
    env->four.emplace(ProcessCounters::open_self(env->options(kFourEvents)));
    env->four->start();
  } catch (const std::exception& e) {
    env->error = std::string("open_self refused: ") + e.what();
    return env;
  }
  env->own_fd = open_own_task_clock();
  if (env->own_fd >= 0) ::ioctl(env->own_fd, PERF_EVENT_IOC_ENABLE, 0);
  return env;
}

BrokerEnv& env() {
  static const std::unique_ptr<BrokerEnv> e = [] {
    try {
      return make_env();
    } catch (const std::exception& ex) {
      auto failed = std::make_unique<BrokerEnv>();
      failed->error = std::string("set-up failed: ") + ex.what();
      return failed;
    }
  }();
  return *e;
}

// A whole request: connect, SO_PEERCRED check, the SRQ1 request, the broker's checks and
// perf_event_open per event, the SRP1 reply with SCM_RIGHTS, its verification, then the close
// of the descriptors (the destructor). Arg: the number of events asked.
void BM_CounterRequestRoundTrip(benchmark::State& state) {
  BrokerEnv& e = env();
  if (!e.four) {
    state.SkipWithError(e.error.c_str());
    return;
  }
  const std::vector<std::string> events(kFourEvents.begin(), kFourEvents.begin() + state.range(0));
  const CounterOptions options = e.options(events);
  for (auto _ : state) {
    try {
      ProcessCounters c = ProcessCounters::open_self(options);
      benchmark::DoNotOptimize(c.size());
    } catch (const std::exception& ex) {
      state.SkipWithError(ex.what());
      break;
    }
  }
  state.counters["events"] = static_cast<double>(events.size());
}
BENCHMARK(BM_CounterRequestRoundTrip)->Arg(1)->Arg(4)->Iterations(kRoundTrips)->UseRealTime();

// The granted counters read by the caller: ProcessCounters::read() of 4 (one read() of three
// u64 per counter, scaled, into a vector of CounterValue).
void BM_ProcessCountersRead(benchmark::State& state) {
  BrokerEnv& e = env();
  if (!e.four) {
    state.SkipWithError(e.error.c_str());
    return;
  }
  for (auto _ : state) {
    std::vector<CounterValue> v = e.four->read();
    benchmark::DoNotOptimize(v.data());
  }
  state.counters["events"] = static_cast<double>(e.four->size());
}
BENCHMARK(BM_ProcessCountersRead);

// The baseline: a bare read() of one perf fd this process opened itself (task-clock).
void BM_PerfReadOneFd(benchmark::State& state) {
  BrokerEnv& e = env();
  if (e.own_fd < 0) {
    state.SkipWithError(e.error.empty() ? "perf_event_open of task-clock failed" : e.error.c_str());
    return;
  }
  std::array<std::uint64_t, 3> buf{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(::read(e.own_fd, buf.data(), sizeof buf));
    benchmark::DoNotOptimize(buf);
  }
  state.counters["events"] = 1;
}
BENCHMARK(BM_PerfReadOneFd);

// start() then stop() of the 4 granted counters (PERF_EVENT_IOC_ENABLE / DISABLE on each).
void BM_ProcessCountersStartStop(benchmark::State& state) {
  BrokerEnv& e = env();
  if (!e.four) {
    state.SkipWithError(e.error.c_str());
    return;
  }
  for (auto _ : state) {
    e.four->start();
    e.four->stop();
  }
  e.four->start();  // left running for BM_ProcessCountersRead in later repetitions
  state.counters["events"] = static_cast<double>(e.four->size());
}
BENCHMARK(BM_ProcessCountersStartStop);

// The baseline: ENABLE then DISABLE of the one fd opened here.
void BM_PerfEnableDisableOneFd(benchmark::State& state) {
  BrokerEnv& e = env();
  if (e.own_fd < 0) {
    state.SkipWithError(e.error.empty() ? "perf_event_open of task-clock failed" : e.error.c_str());
    return;
  }
  for (auto _ : state) {
    ::ioctl(e.own_fd, PERF_EVENT_IOC_ENABLE, 0);
    ::ioctl(e.own_fd, PERF_EVENT_IOC_DISABLE, 0);
  }
  ::ioctl(e.own_fd, PERF_EVENT_IOC_ENABLE, 0);
  state.counters["events"] = 1;
}
BENCHMARK(BM_PerfEnableDisableOneFd);

}  // namespace
