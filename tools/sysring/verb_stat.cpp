// `sysring stat`: perf stat without privileges. The broker opens the counters for a process of
// ours (docs/PROCESS_COUNTERS.md); we run the command (or watch process PID), read them and
// print perf stat's report on stderr, so the command's own output stays alone on stdout. With a
// command, sysring exits with the command's status (128+N for a death by signal N, as a shell).
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "exit_codes.hpp"
#include "stat_report.hpp"
#include "stop_signal.hpp"
#include "sysring/errno_text.hpp"
#include "sysring/process_counters.hpp"
#include "verbs.hpp"

namespace sysring::cli {
namespace {

// perf stat's default set, hardware events last: a machine without a PMU (a VM) grants only the
// software ones, and the others show as <not supported>.
const std::vector<std::string> kDefaultEvents = {
    "task-clock", "context-switches", "cpu-migrations", "page-faults",
    "cycles",     "instructions",     "branches",       "branch-misses"};

std::uint64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

void report(const std::string& text) {
  (void)std::fputs(text.c_str(), stderr);
  (void)std::fflush(stderr);
}

// The process is gone or a zombie (it exited; its parent has not reaped it yet).
bool process_ended(pid_t pid) {
  if (::kill(pid, 0) != 0 && errno == ESRCH) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const std::size_t paren = text.rfind(')');
  if (paren == std::string::npos || paren + 2 >= text.size()) return !stat.is_open();
  const char state = text[paren + 2];
  return state == 'Z' || state == 'X';
}

std::string quoted_command(const std::vector<std::string>& args) {
  std::string text;
  for (const std::string& a : args) text += (text.empty() ? "" : " ") + a;
  return "'" + text + "'";
}

int shell_status(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return kExitError;
}

class StatRun {
 public:
  StatRun(const CliOptions& options, const ProcessCounters& counters, std::string target,
          std::uint64_t start_ns)
      : options_(options),
        counters_(counters),
        target_(std::move(target)),
        asked_(options.events.empty() ? kDefaultEvents : options.events),
        start_ns_(start_ns),
        last_ns_(start_ns) {
    if (options.interval_ms) {
      next_ns_ = start_ns_ + std::uint64_t{*options.interval_ms} * 1'000'000ULL;
      last_ = counters.read();
      for (CounterValue& v : last_) v = scale_counter(v.name, 0, 0, 0);
    }
  }

  // Sleeps until the next interval's end (printing it) or `step_ns`, whichever is first.
  void tick(std::uint64_t step_ns) {
    std::uint64_t now = now_ns();
    if (options_.interval_ms && now >= next_ns_) {
      print_interval(now);
      next_ns_ += std::uint64_t{*options_.interval_ms} * 1'000'000ULL;
      if (next_ns_ <= now) next_ns_ = now + std::uint64_t{*options_.interval_ms} * 1'000'000ULL;
    }
    now = now_ns();
    std::uint64_t wait = step_ns;
    if (options_.interval_ms && next_ns_ > now) wait = std::min(wait, next_ns_ - now);
    sleep_ns(wait);
  }

  // `end`: when the command ended, or the counting stopped.
  void finish(std::uint64_t end, std::optional<int> exit_status) {
    if (options_.interval_ms) {
      if (end > last_ns_) print_interval(end, exit_status);
      return;
    }
    const std::vector<StatLine> lines =
        stat_lines(asked_, counters_.read(), counters_.unsupported());
    const double wall = static_cast<double>(end - start_ns_);
    report(options_.json ? stat_json(target_, lines, wall, std::nullopt, exit_status) + "\n"
                         : stat_text(target_, lines, wall));
  }

 private:
  void print_interval(std::uint64_t now, std::optional<int> exit_status = std::nullopt) {
    std::vector<CounterValue> values = counters_.read();
    std::vector<CounterValue> deltas;
    deltas.reserve(values.size());
    for (std::size_t i = 0; i < values.size() && i < last_.size(); ++i) {
      deltas.push_back(counter_delta(last_[i], values[i]));
    }
    const std::vector<StatLine> lines = stat_lines(asked_, deltas, counters_.unsupported());
    const double wall = static_cast<double>(now - last_ns_);
    const double since = static_cast<double>(now - start_ns_) / 1e9;
    report(options_.json ? stat_json(target_, lines, wall, since, exit_status) + "\n"
                         : stat_interval_text(since, lines, wall, first_));
    first_ = false;
    last_ = std::move(values);
    last_ns_ = now;
  }

  const CliOptions& options_;
  const ProcessCounters& counters_;
  std::string target_;
  std::vector<std::string> asked_;
  std::uint64_t start_ns_ = 0, last_ns_ = 0, next_ns_ = 0;
  std::vector<CounterValue> last_;
  bool first_ = true;
};

CounterOptions counter_options(const CliOptions& options) {
  CounterOptions c;
  c.segment = options.segment;
  if (options.request_socket) c.endpoint = CounterEndpoint{*options.request_socket, std::nullopt};
  c.best_effort = options.events.empty();
  c.events = c.best_effort ? kDefaultEvents : options.events;
  return c;
}

int count_pid(const CliOptions& options) {
  const pid_t pid = *options.pid;
  ProcessCounters counters = ProcessCounters::open_pid(pid, counter_options(options));
  counters.start();
  StatRun run(options, counters, "process id '" + std::to_string(pid) + "'", now_ns());
  while (!stop_requested() && !process_ended(pid)) run.tick(100'000'000ULL);
  counters.stop();
  run.finish(now_ns(), std::nullopt);
  return kExitOk;
}

int count_command(const CliOptions& options) {
  pid_t child = 0;
  std::string exec_error;
  ProcessCounters counters =
      ProcessCounters::launch(options.args, counter_options(options), child, &exec_error);
  StatRun run(options, counters, quoted_command(options.args), counters.launched_ns());
  int status = 0;
  for (;;) {
    // Ctrl-C reaches the command too (same process group): keep waiting for it, then report.
    const pid_t done = ::waitpid(child, &status, options.interval_ms ? WNOHANG : 0);
    if (done == child) break;
    if (done < 0 && errno != EINTR) {
      throw CliError(kExitError, "waitpid: " + errno_text(errno));
    }
    if (options.interval_ms) run.tick(5'000'000ULL);
  }
  const std::uint64_t end = now_ns();
  const int code = shell_status(status);
  if (!exec_error.empty()) {
    report("sysring: error: cannot run " + exec_error + "\n");
    return code;
  }
  run.finish(end, code);
  return code;
}

}  // namespace

int run_stat(const CliOptions& options) {
  install_stop_handlers();
  try {
    return options.pid ? count_pid(options) : count_command(options);
  } catch (const Error& e) {
    throw CliError(kExitError, e.what());
  }
}

}  // namespace sysring::cli
