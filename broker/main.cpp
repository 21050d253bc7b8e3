// sysringd: the broker. Reads kernel metrics on a schedule and publishes them into one
// shared-memory segment that unprivileged clients map read-only.
#include <fcntl.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <signal.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "broker_options.hpp"
#include "instances/capacity_plan.hpp"
#include "log.hpp"
#include "platform_sources.hpp"
#ifndef __APPLE__
#include "counters/perf/perf_syscalls.hpp"
#include "privilege/privilege_drop.hpp"
#include "requests/request_policy.hpp"
#include "requests/request_server.hpp"
#include "sandbox/seccomp_filter.hpp"
#endif
#include "scheduler/monotonic_chain.hpp"
#include "segment/descriptor_builder.hpp"
#include "segment/segment_writer.hpp"
#include "segment/truncation_guard.hpp"
#include "segment/value_layout.hpp"
#include "start_up_pages.hpp"
#include "sysring/errno_text.hpp"
#include "sysring/error.hpp"
#include "sysring/registry_data.hpp"
#include "tick_loop.hpp"

namespace {

using namespace sysring;
using namespace sysring::broker;

std::atomic<int> g_stop_signal{0};

extern "C" void on_stop_signal(int signo) {
  g_stop_signal.store(signo);
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: the tick sleep wakes up at once
  // SIGHUP too: closing the terminal of a foreground broker (scripts/run.sh) must not leave a
  // stale segment behind. A daemon has no controlling terminal, so only `kill -HUP` sends it.
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGHUP, &sa, nullptr);
  (void)::signal(SIGPIPE, SIG_IGN);  // a closed stdout or log pipe is an EPIPE, never a death
}

const char* stop_signal_name(int signo) {
  switch (signo) {
    case SIGINT:
      return "SIGINT";
    case SIGHUP:
      return "SIGHUP";
    default:
      return "SIGTERM";
  }
}

std::uint64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

void sleep_until(std::uint64_t deadline_ns) {
  timespec ts{};
#ifdef __APPLE__
  // macOS has no clock_nanosleep: a relative sleep to the same deadline.
  const std::uint64_t now = now_ns();
  if (deadline_ns <= now) return;
  deadline_ns -= now;
#endif
  ts.tv_sec = static_cast<time_t>(deadline_ns / 1'000'000'000ULL);
  ts.tv_nsec = static_cast<long>(deadline_ns % 1'000'000'000ULL);
#ifdef __APPLE__
  ::nanosleep(&ts, nullptr);  // EINTR: checked by caller
#else
  ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);  // EINTR: checked by caller
#endif
}

// Detaches from the terminal. The parent waits on a pipe until the child reports that the
// segment is live (exit 0) or why it failed (prints the line, exit 1), so errors stay visible.
int g_ready_fd = -1;

bool detach_or_become_child() {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error(std::string("pipe: ") + errno_text(errno));
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + errno_text(errno));
  if (pid > 0) {
    ::close(fds[1]);
    std::string message;
    char buf[256];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) message.append(buf, static_cast<size_t>(n));
    if (message == "ok") std::_Exit(0);
    (void)std::fprintf(stderr, "sysringd: error: %s\n",
                       message.empty() ? "broker exited during start-up" : message.c_str());
    std::_Exit(1);
  }
  ::close(fds[0]);
  g_ready_fd = fds[1];
  ::setsid();
  return true;
}

void report_ready(const std::string& message) {
  if (g_ready_fd < 0) return;
  (void)!::write(g_ready_fd, message.data(), message.size());
  ::close(g_ready_fd);
  g_ready_fd = -1;
  const int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull >= 0) {
    ::dup2(devnull, STDIN_FILENO);
    ::dup2(devnull, STDOUT_FILENO);
    ::dup2(devnull, STDERR_FILENO);
    ::close(devnull);
  }
  log::use_syslog();
}

#ifndef __APPLE__
// The [requests] policy, parsed with the rest of the config file.
requests::RequestPolicy g_request_policy;
#endif

// The config file (effective schedules, instance settings, the [requests] policy), before any
// fork so a config error reaches the terminal.
std::vector<Schedule> load_config(BrokerOptions& o,
                                  std::span<const registry::RegistryEntry> entries) {
  ScheduleOverrides overrides;
  if (!o.config.empty()) overrides = load_schedule_config(o.config);
  apply_instance_sections(overrides, o.instance_config);
#ifndef __APPLE__
  g_request_policy =
      requests::parse_request_policy(overrides.requests ? &*overrides.requests : nullptr, o.config);
#endif
  return resolve_schedules(entries, overrides);
}

// Counters take one descriptor per event and CPU (6 x 192 CPUs is past the usual soft limit of
// 1024), on top of the kept-open kernel files: use all the descriptors the hard limit allows.
void raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log::warn(std::string("setrlimit(RLIMIT_NOFILE): ") + errno_text(errno));
  }
}

std::uint64_t random_registration_base() {
  std::random_device rd;  // getrandom(2) on Linux, arc4random on macOS
  return ((std::uint64_t{rd()} << 32) | rd()) & (layout::kRegistrationMask >> 1);
}

#ifndef __APPLE__
// --user, resolved before any fork so that an unknown user or capability reaches the terminal.
std::optional<PrivilegeTarget> g_privilege_target;
#endif

// Installed once serving, after the readiness report (a detached broker has switched to syslog by
// then): start-up is not on the allow-list, only the steady state is. False: the filter could not
// be installed (logged), and the broker stops rather than serve unfiltered.
bool start_sandbox(const BrokerOptions& o) {
#ifdef __APPLE__
  if (o.seccomp) log::info("seccomp: no system call filter on macOS");
#else
  if (!o.seccomp) {
    log::info("seccomp: off (--seccomp off)");
    return true;
  }
  try {
    const std::size_t allowed = sandbox::install_seccomp_filter({.log_to_syslog = !o.foreground});
    log::info("seccomp: " + std::to_string(allowed) + " system calls allowed");
  } catch (const std::exception& e) {
    log::error(std::string(e.what()) + " (--seccomp off runs without the filter)");
    return false;
  }
#endif
  return true;
}

#ifndef __APPLE__
// The request socket (docs/PROCESS_COUNTERS.md), created while the broker may still write
// /run and chown: before the privilege drop. Null when it serves no requests, which it logs
// with the reason. A failure on the default path is only logged (a broker started by a user
// cannot create /run/sysring); on a path given with --request-socket it stops the start.
std::unique_ptr<requests::RequestServer> make_request_server(const BrokerOptions& o) {
  const requests::RequestPolicy& policy = g_request_policy;
  const char* why_not = nullptr;
  if (o.request_socket == "none")
    why_not = "--request-socket none";
  else if (!policy.enabled)
    why_not = "[requests] enabled = no";
  else if (policy.allow == requests::Allow::kNone)
    why_not = "[requests] allow = none";
  if (why_not != nullptr) {
    log::info(std::string("requests: serving no per-process counters (") + why_not + ")");
    return nullptr;
  }
  const bool chosen = !o.request_socket.empty();
  requests::RequestSocketSettings settings;
  settings.path = chosen ? o.request_socket : requests::default_request_socket_path(o.segment);
  if (policy.allow == requests::Allow::kGroup) {
    settings.mode = 0660;
    settings.group = policy.group;
  }
  if (g_privilege_target) {
    settings.owner = g_privilege_target->uid;
    settings.owner_gid = g_privilege_target->gid;
  }
  try {
    auto handler = std::make_unique<requests::RequestHandler>(
        policy, counters::perf::real_perf_syscalls(),
        requests::HandlerSettings{.proc_root = o.proc_root});
    auto server = std::make_unique<requests::RequestServer>(
        requests::RequestSocket::create(settings), std::move(handler));
    log::info("requests: serving per-process counters on " + settings.path + " (" +
              requests::describe_policy(policy) + ")");
    return server;
  } catch (const std::exception& e) {
    if (chosen) throw;
    log::info(std::string("requests: serving no per-process counters: ") + e.what() +
              " (--request-socket PATH picks another place)");
    return nullptr;
  }
}
#endif

// Builds the descriptor table and creates the segment. The table (150 KB here) is copied into
// the segment and freed on return: the broker never needs it again.
SegmentWriter create_segment(const BrokerOptions& o, const PlatformSources& sources,
                             const std::vector<registry::RegistryEntry>& entries,
                             const std::vector<Schedule>& schedules, const ValueLayout& layout,
                             const DomainCapacities& capacities) {
  std::vector<const registry::RegistryEntry*> by_id(registry::kMaxMetricId + 1u, nullptr);
  for (const auto& e : entries) by_id[e.id] = &e;
  const auto descriptors = build_descriptor_table(
      entries, layout, kPlatform, registry::kSchemaHash,
      [&](std::uint16_t id) -> const Availability& { return sources.availability(*by_id[id]); },
      schedules, sources.counters_summary);

  SegmentConfig config;
  config.name = o.segment;
  config.mode = o.mode;
  config.value_words = layout.words();
  config.ring_slot_count = o.ring_slots;
  config.ring_slot_size = o.ring_slot_bytes;
  config.directory_bytes = plan_directory_bytes(capacities);
  config.tick_period_ns = std::uint64_t{o.tick_ms} * 1'000'000ULL;
  config.schema_hash = registry::kSchemaHash;
  config.descriptors = descriptors;
#ifndef __APPLE__
  if (g_privilege_target) {
    config.owner_uid = g_privilege_target->uid;
    config.owner_gid = g_privilege_target->gid;
  }
#endif
  return SegmentWriter::create(config);
}

int run(const BrokerOptions& o, const std::vector<registry::RegistryEntry>& entries,
        const std::vector<Schedule>& schedules) {
  raise_descriptor_limit();
  PlatformSources sources = make_platform_sources(o);
  const DomainCapacities capacities =
      plan_capacities(sources.instances, o.instance_headroom_percent);
  const ValueLayout layout(entries, capacities);
  SegmentWriter segment = create_segment(o, sources, entries, schedules, layout, capacities);
  const std::uint64_t tick_period_ns = std::uint64_t{o.tick_ms} * 1'000'000ULL;
  guard_against_truncation(segment.address(), segment.size());
  if (o.group) segment.set_group(*o.group);
#ifndef __APPLE__
  std::unique_ptr<requests::RequestServer> request_server = make_request_server(o);
  if (request_server) segment.set_request_socket(request_server->path());
  // Sources (and their counters) are open, the segment and the request socket exist: nothing
  // more needs root.
  if (g_privilege_target) drop_privileges(*g_privilege_target);
#else
  log::info(
      "requests: serving no per-process counters: on macOS KPC cannot count one process for "
      "another (docs/PROCESS_COUNTERS.md)");
#endif

  TickOptions tick_options;
  tick_options.first_registration = random_registration_base();
  const std::vector<InstanceSource*> instance_sources = sources.instances.in_refresh_order();
  TickLoop loop(segment, layout, *sources.scalars, instance_sources, entries, schedules,
                tick_options);
  std::uint64_t next = now_ns();
  loop.tick(next);  // the first tick fills the table and publishes the full snapshot
  segment.go_live();
  // Logged once the segment exists, so that a bad flag still fails with its one line.
  std::size_t unavailable = 0;
  for (const auto& e : entries) {
    const Availability& a = sources.availability(e);
    if (!a.available) {
      ++unavailable;
      log::debug(std::string(e.name) + " unavailable: " + a.reason);
    }
  }
  std::string instances;
  for (std::size_t d = 1; d < kDomainCount; ++d) {
    const auto domain = static_cast<InstanceDomain>(d);
    instances += (instances.empty() ? "" : ", ") +
                 std::to_string(loop.instances().live_count(domain)) + " " +
                 std::string(domain_name(domain)) + " of " + std::to_string(capacities[d]);
  }
  log::info("serving " + std::to_string(entries.size() - unavailable) + " of " +
            std::to_string(entries.size()) + " metrics in " + o.segment + " every " +
            std::to_string(o.tick_ms) + " ms (pid " + std::to_string(::getpid()) + "); " +
            std::to_string(unavailable) +
            " unavailable here (`sysring list --all` or --log-level debug says why)");
  log::info("instances: " + instances + " (" + std::to_string(segment.header().fixed.total_size) +
            "-byte segment)");
  std::size_t overridden = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (schedules[i] != registry_schedule(entries[i])) ++overridden;
  }
  if (!o.config.empty()) {
    log::info(o.config + ": " + std::to_string(overridden) + " metrics read less often");
  }
#ifndef __APPLE__
  if (g_privilege_target) log::info("running as " + o.user + ": " + describe_credentials());
#endif
  // No counters is worth a warning, unless the user turned them off.
  if (o.counters && !sources.counters_available) {
    log::warn("counters: " + sources.counters_summary);
  } else {
    log::info("counters: " + sources.counters_summary);
  }
  report_ready("ok");
#ifndef __APPLE__
  // Before the filter: the thread is made with calls the steady state does not need, and
  // TSYNC then filters it as well.
  if (request_server) {
    try {
      request_server->start();
    } catch (const std::exception& e) {
      log::error(std::string(e.what()) + "; serving no per-process counters");
      request_server.reset();
    }
  }
#endif
  const bool sandboxed = start_sandbox(o);
  // Start-up's temporaries (descriptor and layout building, option parsing, the first
  // snapshot's builders, the seccomp filter's) are freed but sit in the middle of the heap:
  // hand their pages back. Then the code and constants that start-up alone used, the filter's
  // installation included (madvise, and the open and pread of /proc/self/pagemap, are on the
  // allow-list).
#ifdef __GLIBC__
  (void)::malloc_trim(0);
#endif
  const std::size_t released = release_start_up_pages();
  if (released != 0) {
    log::debug("released the resident pages of " + std::to_string(released >> 10) +
               " KiB of start-up code and constants");
  }

  while (sandboxed && g_stop_signal.load() == 0 &&
         (o.max_ticks == 0 || loop.ticks_done() < o.max_ticks)) {
    next += tick_period_ns;
    sleep_until(next);
    if (g_stop_signal.load() != 0) break;
    const std::uint64_t now = now_ns();
    if (now > next + tick_period_ns) next = now;  // we were suspended: don't burst
    // Its owner (or root) removed, replaced or truncated the segment: stop with status 1, so
    // that the service manager restarts us on a fresh segment, rather than serve no one or
    // write past the end of a truncated object (SIGBUS).
    if (const SegmentFate fate = segment.fate(); fate != SegmentFate::kIntact) {
      segment.close();
      log::error("segment " + o.segment + " " + describe(fate) + "; stopping");
      return 1;
    }
    const TickStats stats = loop.tick(now);
    log::debug("tick " + std::to_string(loop.ticks_done()) + ": " + std::to_string(stats.reads) +
               " reads, " + std::to_string(stats.changes) + " changes, " +
               std::to_string(stats.parts) + " batches");
  }
#ifndef __APPLE__
  if (request_server) request_server->stop();  // before the segment: the socket goes first
#endif
  segment.close();
  if (!sandboxed) return 1;
  const int signo = g_stop_signal.load();
  log::info(signo != 0 ? std::string("stopped by ") + stop_signal_name(signo) + ", segment removed"
                       : "tick limit reached, segment removed");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<BrokerOptions> options;
  try {
    options = parse_broker_options(argc, argv);
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "sysringd: error: %s (try --help)\n", e.what());
    return 2;
  }
  if (!options) return 0;
#ifndef __APPLE__
  try {
    if (!options->user.empty()) {
      g_privilege_target = resolve_privilege_target(options->user, options->keep_caps);
      if (::geteuid() != 0 && ::geteuid() != g_privilege_target->uid) {
        throw std::invalid_argument("--user " + options->user +
                                    " needs the broker started as root");
      }
    }
  } catch (const std::exception& e) {
    (void)std::fprintf(stderr, "sysringd: error: %s\n", e.what());
    return 2;
  }
#endif
  const std::vector<registry::RegistryEntry> entries = published_entries();
  std::vector<Schedule> schedules;
  try {
    schedules = load_config(*options, entries);
  } catch (const ScheduleConfigError& e) {
    (void)std::fprintf(stderr, "sysringd: config error: %s\n", e.what());
    return 2;
  }
  log::set_level(options->log_level);
  install_signal_handlers();
  try {
    if (!options->foreground) detach_or_become_child();
    return run(*options, entries, schedules);
  } catch (const std::exception& e) {
    if (g_ready_fd >= 0) {
      report_ready(e.what());
      log::error(e.what());
    } else {
      (void)std::fprintf(stderr, "sysringd: error: %s\n", e.what());
    }
    return 1;
  }
}
