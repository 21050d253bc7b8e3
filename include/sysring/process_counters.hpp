// Per-process performance counters through the broker (docs/PROCESS_COUNTERS.md): the broker,
// which may open perf events where the caller may not, opens them for a process of the caller's
// and hands the file descriptors over; the caller starts, stops and reads them itself.
//
//   auto counters = sysring::ProcessCounters::open_self({.events = {"task-clock", "cycles"}});
//   counters.start();
//   work();
//   counters.stop();
//   for (const sysring::CounterValue& v : counters.read()) use(v.name, v.scaled);
//
//   pid_t child = 0;
//   auto c = sysring::ProcessCounters::launch({"./prog", "arg"}, options, child);
//   ... waitpid(child, ...); c.read();   // counted from its execve, children included
//
// Linux only; elsewhere every open throws Error(kUnreachable).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sysring/error.hpp"
#include "sysring/segment_name.hpp"

namespace sysring {

class Client;

// Where to ask: the broker's request socket and who must be listening on it.
struct CounterEndpoint {
  std::string socket_path;
  // The uid the server must have (SO_PEERCRED); root is always accepted. Unset: the default
  // trust rule of segments (root, the installation's broker user, or the caller itself).
  std::optional<uid_t> broker_uid;

  // The endpoint a segment names (HeaderFixed::request_socket, its broker_uid). Throws
  // Error(kUnreachable) when the broker serves no requests.
  static CounterEndpoint of(const Client& client);
  // Opens the segment `name` just to read the above.
  static CounterEndpoint of_segment(const std::string& name = std::string(kDefaultSegmentName));
};

struct CounterOptions {
  std::string segment = std::string(kDefaultSegmentName);
  // Ask here instead of at the socket the segment names (tests, a broker reached otherwise).
  std::optional<CounterEndpoint> endpoint;
  std::vector<std::string> events = {"task-clock"};  // perf(1) names, 1 to 16
  bool inherit = true;  // count the threads and children created after the open too
  bool kernel = false;  // count kernel mode too (the broker's policy must allow it)
  // Default event lists: when the broker refuses the whole list, ask for each event alone and
  // keep those it grants; the others are reported in `unsupported()` (perf stat's
  // "<not supported>"). Off: any refusal is an error.
  bool best_effort = false;
  std::chrono::milliseconds timeout{2000};  // a broker that does not answer by then: error
};

// One counter read, perf's way: a counter multiplexed by the kernel counted only part of the
// time it was enabled, and its scaled value estimates the whole.
struct CounterValue {
  std::string name;
  std::uint64_t raw = 0;  // the count read
  std::uint64_t time_enabled_ns = 0;
  std::uint64_t time_running_ns = 0;
  bool counted = false;      // it ran at all (time running > 0)
  double scaled = 0;         // raw * enabled / running; 0 when not counted
  double running_share = 0;  // running / enabled, 0..1 (1 when it was never enabled)
};

// perf's scaling of one reading.
[[nodiscard]] CounterValue scale_counter(std::string name, std::uint64_t raw,
                                         std::uint64_t enabled_ns, std::uint64_t running_ns);
// `now` minus `before` for one counter (an interval), scaled over the interval's own times.
[[nodiscard]] CounterValue counter_delta(const CounterValue& before, const CounterValue& now);

// What perf stat prints beside the counts, where the events for it were counted.
struct DerivedRates {
  std::optional<double> task_clock_ms;     // task-clock (ns) in ms
  std::optional<double> cpus_utilized;     // task-clock / wall time
  std::optional<double> ipc;               // instructions / cycles
  std::optional<double> cache_miss_rate;   // cache-misses / cache-references, 0..1
  std::optional<double> branch_miss_rate;  // branch-misses / branches, 0..1
};
// From scaled values; `wall_ns` is the elapsed wall time the counts cover (0: no per-time rate).
[[nodiscard]] DerivedRates derive_rates(std::span<const CounterValue> values, double wall_ns);

// One event the broker would not grant (best_effort), and why.
struct UnsupportedEvent {
  std::string name;
  std::string reason;
};

class ProcessCounters {
 public:
  // Counters for the calling process (pid 0: the broker takes the caller's SO_PEERCRED pid).
  // They start disabled: start() them. Throws Error: kUnreachable (no broker serves requests,
  // or none answered in time), kForeignOwner (the server is not the segment's broker),
  // kRefused (with the broker's reason), kProtocol (a bad reply), or the segment's own errors.
  static ProcessCounters open_self(const CounterOptions& options = {});
  // Counters for process `pid` (it must be the caller's: same uids and gids, dumpable). They
  // start disabled.
  static ProcessCounters open_pid(pid_t pid, const CounterOptions& options = {});
  // Forks a child that waits, asks for its counters (enable_on_exec, so they count from its
  // execve) and then lets it execvp(argv). `child` gets its pid: the caller must wait for it.
  // On a refusal the child is killed and reaped before the Error is thrown. If execvp fails the
  // child exits 127 (126: found but not executable) and `exec_error` names why (the counters
  // are still returned, having counted nothing).
  static ProcessCounters launch(const std::vector<std::string>& argv, const CounterOptions& options,
                                pid_t& child, std::string* exec_error = nullptr);

  ProcessCounters(ProcessCounters&&) noexcept;
  ProcessCounters& operator=(ProcessCounters&&) noexcept;
  ProcessCounters(const ProcessCounters&) = delete;
  ProcessCounters& operator=(const ProcessCounters&) = delete;
  ~ProcessCounters();

  // PERF_EVENT_IOC_ENABLE / DISABLE on every counter. Throw Error(kSystem).
  void start();
  void stop();
  // Every granted counter, in the order asked. Throws Error(kSystem) on a failed read. A
  // counter of the caller's own (open_self, inherit off) whose page the kernel mapped is read in
  // user space with rdpmc when the kernel offers it there and then; otherwise with read().
  [[nodiscard]] std::vector<CounterValue> read() const;
  // Counter `index`: whether its perf page is mapped (open_self only; the kernel maps no
  // inherited counter), and whether the page offers rdpmc right now (a hardware counter
  // scheduled on this CPU; never for software events).
  [[nodiscard]] bool page_mapped(std::size_t index) const;
  [[nodiscard]] bool rdpmc_available(std::size_t index) const;

  // The granted events, in the order asked, and the events refused (best_effort only).
  [[nodiscard]] std::vector<std::string> events() const;
  [[nodiscard]] const std::vector<UnsupportedEvent>& unsupported() const noexcept;
  // Whether the broker granted kernel-mode counting for counter `index`.
  [[nodiscard]] bool kernel(std::size_t index) const;
  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] pid_t target() const noexcept;  // 0: the caller itself
  // launch(): CLOCK_MONOTONIC (ns) when the child was let go to execvp, where perf stat starts
  // its elapsed time; 0 for the other opens.
  [[nodiscard]] std::uint64_t launched_ns() const noexcept;

 private:
  struct State;
  explicit ProcessCounters(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sysring
