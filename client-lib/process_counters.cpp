#include "sysring/process_counters.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#ifdef __linux__
#include <linux/perf_event.h>
#endif

#include "perf_mmap_read.hpp"
#include "request_channel.hpp"
#include "sysring/client.hpp"
#include "sysring/errno_text.hpp"

namespace sysring {

// ---- Arithmetic ----

CounterValue scale_counter(std::string name, std::uint64_t raw, std::uint64_t enabled_ns,
                           std::uint64_t running_ns) {
  CounterValue v;
  v.name = std::move(name);
  v.raw = raw;
  v.time_enabled_ns = enabled_ns;
  v.time_running_ns = running_ns;
  v.counted = running_ns > 0;
  if (v.counted) {
    // In floating point: raw * enabled overflows 64 bits after a few hours of a busy counter.
    v.scaled = running_ns >= enabled_ns
                   ? static_cast<double>(raw)
                   : static_cast<double>(raw) * static_cast<double>(enabled_ns) /
                         static_cast<double>(running_ns);
  }
  v.running_share =
      enabled_ns == 0
          ? 1.0
          : std::min(1.0, static_cast<double>(running_ns) / static_cast<double>(enabled_ns));
  return v;
}

CounterValue counter_delta(const CounterValue& before, const CounterValue& now) {
  const auto minus = [](std::uint64_t a, std::uint64_t b) { return a >= b ? a - b : 0; };
  return scale_counter(now.name, minus(now.raw, before.raw),
                       minus(now.time_enabled_ns, before.time_enabled_ns),
                       minus(now.time_running_ns, before.time_running_ns));
}

namespace {

const CounterValue* find_counted(std::span<const CounterValue> values,
                                 std::initializer_list<std::string_view> names) {
  for (const CounterValue& v : values) {
    if (!v.counted) continue;
    for (const std::string_view n : names) {
      if (v.name == n) return &v;
    }
  }
  return nullptr;
}

}  // namespace

DerivedRates derive_rates(std::span<const CounterValue> values, double wall_ns) {
  DerivedRates r;
  if (const CounterValue* t = find_counted(values, {"task-clock"})) {
    r.task_clock_ms = t->scaled / 1e6;
    if (wall_ns > 0) r.cpus_utilized = t->scaled / wall_ns;
  }
  const CounterValue* cycles = find_counted(values, {"cycles", "cpu-cycles"});
  const CounterValue* instructions = find_counted(values, {"instructions"});
  if (cycles != nullptr && instructions != nullptr && cycles->scaled > 0) {
    r.ipc = instructions->scaled / cycles->scaled;
  }
  const CounterValue* refs = find_counted(values, {"cache-references"});
  const CounterValue* misses = find_counted(values, {"cache-misses"});
  if (refs != nullptr && misses != nullptr && refs->scaled > 0) {
    r.cache_miss_rate = misses->scaled / refs->scaled;
  }
  const CounterValue* branches = find_counted(values, {"branches", "branch-instructions"});
  const CounterValue* branch_misses = find_counted(values, {"branch-misses"});
  if (branches != nullptr && branch_misses != nullptr && branches->scaled > 0) {
    r.branch_miss_rate = branch_misses->scaled / branches->scaled;
  }
  return r;
}

// ---- Endpoint ----

CounterEndpoint CounterEndpoint::of(const Client& client) {
  const SegmentInfo info = client.info();
  if (info.request_socket.empty()) {
    throw Error(ErrorCode::kUnreachable,
                "the broker of " + info.name + " serves no per-process counter requests (layout " +
                    std::to_string(info.major) + "." + std::to_string(info.minor) +
                    ", no request socket; see sysringd --request-socket)");
  }
  return {info.request_socket, info.broker_uid};
}

CounterEndpoint CounterEndpoint::of_segment(const std::string& name) {
  OpenOptions options;
  options.name = name;
  return of(Client::open(options));
}

// ---- ProcessCounters ----

struct ProcessCounters::State {
  std::vector<detail::GrantedCounter> counters;
  std::vector<UnsupportedEvent> unsupported;
  // One per counter for open_self (self-monitoring: rdpmc reads this CPU's counter), unmapped
  // where the kernel refused the mmap (inherit) and for every other open.
  std::vector<detail::PerfPage> pages;
  pid_t target = 0;
  std::uint64_t launched_ns = 0;
};

namespace {

// Asks for `events` on `target`; with best_effort, a refused list is asked event by event.
void acquire(const CounterOptions& options, pid_t target, bool enable_on_exec,
             std::vector<detail::GrantedCounter>& granted,
             std::vector<UnsupportedEvent>& unsupported) {
  const CounterEndpoint endpoint =
      options.endpoint ? *options.endpoint : CounterEndpoint::of_segment(options.segment);
  detail::CounterRequestSpec spec;
  spec.pid = target;
  spec.events = options.events;
  spec.inherit = options.inherit;
  spec.kernel = options.kernel;
  spec.enable_on_exec = enable_on_exec;
  try {
    granted =
        detail::request_counters(endpoint.socket_path, endpoint.broker_uid, spec, options.timeout);
    return;
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kRefused || !options.best_effort || options.events.size() < 2) {
      throw;
    }
    for (const std::string& event : options.events) {
      spec.events = {event};
      try {
        std::vector<detail::GrantedCounter> one = detail::request_counters(
            endpoint.socket_path, endpoint.broker_uid, spec, options.timeout);
        granted.push_back(std::move(one.front()));
      } catch (const Error& alone) {
        if (alone.code() != ErrorCode::kRefused) throw;
        unsupported.push_back({event, alone.what()});
      }
    }
    if (granted.empty()) throw;  // nothing at all: the list's own refusal says why
  }
}

}  // namespace

ProcessCounters::ProcessCounters(std::unique_ptr<State> state) : state_(std::move(state)) {}
ProcessCounters::ProcessCounters(ProcessCounters&&) noexcept = default;
ProcessCounters& ProcessCounters::operator=(ProcessCounters&&) noexcept = default;
ProcessCounters::~ProcessCounters() = default;

ProcessCounters ProcessCounters::open_self(const CounterOptions& options) {
  return open_pid(0, options);
}

ProcessCounters ProcessCounters::open_pid(pid_t pid, const CounterOptions& options) {
  if (pid < 0) throw Error(ErrorCode::kSystem, "pid " + std::to_string(pid) + " names no process");
  auto state = std::make_unique<State>();
  state->target = pid;
  ProcessCounters counters(std::move(state));
  acquire(options, pid, false, counters.state_->counters, counters.state_->unsupported);
  if (pid == 0) {
    for (const detail::GrantedCounter& c : counters.state_->counters) {
      counters.state_->pages.emplace_back(c.fd.get());
    }
  }
  return counters;
}

ProcessCounters ProcessCounters::launch(const std::vector<std::string>& argv,
                                        const CounterOptions& options, pid_t& child,
                                        std::string* exec_error) {
  child = 0;
  if (argv.empty() || argv.front().empty()) throw Error(ErrorCode::kSystem, "no command to run");
#ifndef __linux__
  (void)options;
  (void)exec_error;
  throw Error(ErrorCode::kUnreachable, "per-process counters are Linux-only");
#else
  // Everything the child needs is made before fork: after it only async-signal-safe calls.
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int go[2];
  int failed[2];
  if (::pipe2(go, O_CLOEXEC) != 0) throw Error(ErrorCode::kSystem, "pipe: " + errno_text(errno));
  if (::pipe2(failed, O_CLOEXEC) != 0) {
    const int err = errno;
    ::close(go[0]);
    ::close(go[1]);
    throw Error(ErrorCode::kSystem, "pipe: " + errno_text(err));
  }
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    for (const int fd : {go[0], go[1], failed[0], failed[1]}) ::close(fd);
    throw Error(ErrorCode::kSystem, "fork: " + errno_text(err));
  }
  if (pid == 0) {
    ::close(go[1]);
    ::close(failed[0]);
    char byte = 0;
    ssize_t n = 0;
    do {
      n = ::read(go[0], &byte, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) ::_exit(127);  // the parent gave up (refused): never run the command
    // The command gets the signal dispositions a shell would give it.
    struct sigaction by_default {};
    by_default.sa_handler = SIG_DFL;
    for (const int signo : {SIGPIPE, SIGINT, SIGTERM})
      (void)::sigaction(signo, &by_default, nullptr);
    sigset_t none;
    sigemptyset(&none);
    (void)::pthread_sigmask(SIG_SETMASK, &none, nullptr);
    // The one thread of the child: execvp's PATH lookup cannot race anything here.
    ::execvp(args[0], args.data());  // NOLINT(concurrency-mt-unsafe)
    const int err = errno;
    (void)::write(failed[1], &err, sizeof err);
    ::_exit(err == ENOENT ? 127 : 126);
  }
  ::close(go[0]);
  ::close(failed[1]);
  detail::UniqueFd go_write(go[1]);
  detail::UniqueFd failed_read(failed[0]);
  auto state = std::make_unique<State>();
  state->target = pid;
  ProcessCounters counters(std::move(state));
  try {
    acquire(options, pid, true, counters.state_->counters, counters.state_->unsupported);
  } catch (...) {
    ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw;
  }
  const char byte = 'x';
  counters.state_->launched_ns = monotonic_ns();
  ssize_t n = 0;
  do {
    n = ::write(go_write.get(), &byte, 1);
  } while (n < 0 && errno == EINTR);
  go_write = detail::UniqueFd();
  child = pid;
  int err = 0;
  do {
    n = ::read(failed_read.get(), &err, sizeof err);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof err) && exec_error != nullptr) {
    *exec_error = argv.front() + ": " + errno_text(err);
  }
  return counters;
#endif
}

#ifdef __linux__
namespace {
void ioctl_all(const std::vector<detail::GrantedCounter>& counters, unsigned long request,
               const char* what) {
  for (const detail::GrantedCounter& c : counters) {
    if (::ioctl(c.fd.get(), request, 0) != 0) {
      throw Error(ErrorCode::kSystem,
                  std::string(what) + " counter " + c.name + ": " + errno_text(errno));
    }
  }
}
}  // namespace

void ProcessCounters::start() {
  ioctl_all(state_->counters, PERF_EVENT_IOC_ENABLE, "cannot start");
}

void ProcessCounters::stop() {
  ioctl_all(state_->counters, PERF_EVENT_IOC_DISABLE, "cannot stop");
}
#else
void ProcessCounters::start() {
  throw Error(ErrorCode::kUnreachable, "per-process counters are Linux-only");
}
void ProcessCounters::stop() {
  throw Error(ErrorCode::kUnreachable, "per-process counters are Linux-only");
}
#endif

namespace {
// The broker opens the caller's counters for its pid, i.e. its main thread: only that thread's
// rdpmc reads them.
bool on_main_thread() {
#ifdef __linux__
  thread_local const bool is_main = ::gettid() == ::getpid();
  return is_main;
#else
  return false;
#endif
}
}  // namespace

bool ProcessCounters::page_mapped(std::size_t index) const {
  return index < state_->pages.size() && state_->pages[index].mapped();
}

bool ProcessCounters::rdpmc_available(std::size_t index) const {
  if (!page_mapped(index)) return false;
  const std::optional<detail::PerfPageSnapshot> s = state_->pages[index].snapshot();
  return s && s->cap_bit0_is_deprecated && s->cap_user_rdpmc && s->index != 0;
}

std::vector<CounterValue> ProcessCounters::read() const {
  std::vector<CounterValue> out;
  out.reserve(state_->counters.size());
  const bool self = state_->target == 0 && on_main_thread();
  for (std::size_t i = 0; i < state_->counters.size(); ++i) {
    const detail::GrantedCounter& c = state_->counters[i];
    if (self && i < state_->pages.size()) {
      if (const std::optional<detail::PerfUserReading> r = state_->pages[i].read()) {
        out.push_back(scale_counter(c.name, r->value, r->time_enabled_ns, r->time_running_ns));
        continue;
      }
    }
    std::uint64_t words[3] = {0, 0, 0};
    ssize_t n = 0;
    do {
      n = ::read(c.fd.get(), words, sizeof words);
    } while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof words)) {
      throw Error(
          ErrorCode::kSystem,
          "cannot read counter " + c.name + ": " +
              (n < 0 ? errno_text(errno)
                     : std::to_string(n) + " bytes instead of 24 (value, enabled, running)"));
    }
    out.push_back(scale_counter(c.name, words[0], words[1], words[2]));
  }
  return out;
}

std::vector<std::string> ProcessCounters::events() const {
  std::vector<std::string> names;
  names.reserve(state_->counters.size());
  for (const detail::GrantedCounter& c : state_->counters) names.push_back(c.name);
  return names;
}

const std::vector<UnsupportedEvent>& ProcessCounters::unsupported() const noexcept {
  return state_->unsupported;
}

bool ProcessCounters::kernel(std::size_t index) const {
  return index < state_->counters.size() && state_->counters[index].kernel;
}

std::size_t ProcessCounters::size() const noexcept {
  return state_->counters.size();
}

pid_t ProcessCounters::target() const noexcept {
  return state_->target;
}

std::uint64_t ProcessCounters::launched_ns() const noexcept {
  return state_->launched_ns;
}

}  // namespace sysring
