// `sysring watch`: follows the delta ring until SIGINT/SIGTERM (or --count batches), reporting
// laps, a stale broker, a gone broker, and re-attaching by itself when a new broker appears.
// Gives up (exit 1, one line) when the segment stays busy: a ring slot whose sequence word a
// hostile or crashed writer left odd would otherwise be polled forever.
#include <algorithm>
#include <memory>
#include <string>

#include "broker_session.hpp"
#include "exit_codes.hpp"
#include "stop_signal.hpp"
#include "sysring/ring_follower.hpp"
#include "verbs.hpp"
#include "watch_printer.hpp"

namespace sysring::cli {

namespace {

// A quarter tick: a change is shown well within its tick, without spinning.
std::uint64_t poll_interval_ns(const CliOptions& options, std::uint64_t tick_ns) {
  if (options.interval_ms) return std::uint64_t{*options.interval_ms} * 1'000'000ULL;
  return std::clamp<std::uint64_t>(tick_ns / 4, 5'000'000ULL, 1'000'000'000ULL);
}

// How long the follower may report kBusy without delivering anything before watch gives up: a
// broker writes a slot in microseconds and publishes the table every tick, so several ticks
// of busy mean a sequence word nobody will finish. At least 2 s, at most 30 s.
std::uint64_t busy_limit_ns(std::uint64_t tick_ns) {
  return std::clamp<std::uint64_t>(4 * tick_ns, 2'000'000'000ULL, 30'000'000'000ULL);
}

// Bounds one wake-up's drain so the stop flag and health are still checked under heavy load;
// falling further behind than this is what lapping (and its report) is for.
constexpr int kMaxBatchesPerWake = 4096;

class Watcher {
 public:
  Watcher(const CliOptions& options, Client client)
      : options_(options),
        client_(std::move(client)),
        printer_(options.json ? make_json_watch_printer() : make_text_watch_printer()),
        follower_(std::make_unique<RingFollower>(client_)) {
    adopt_tick();
  }

  int run() {
    while (!stop_requested()) {
      const std::uint64_t now = monotonic_ns();
      if (now >= next_health_check_ns_) {
        next_health_check_ns_ = now + tick_ns_;
        check_health();
      }
      if (health_ != BrokerHealth::kGone && drain()) return kExitOk;  // --count reached
      sleep_ns(interval_ns_);
    }
    return kExitOk;  // interrupted: a normal way to end a watch
  }

 private:
  void adopt_tick() {
    tick_ns_ = std::max<std::uint64_t>(client_.info().tick_period_ns, 1'000'000ULL);
    interval_ns_ = poll_interval_ns(options_, tick_ns_);
    busy_since_ns_ = 0;
  }

  // A kBusy poll: throws once the follower has been busy, with nothing delivered, for longer
  // than busy_limit_ns (the first snapshot included, so `watch -n 1` cannot wait silently).
  void note_busy() {
    const std::uint64_t now = monotonic_ns();
    if (busy_since_ns_ == 0) {
      busy_since_ns_ = now;
      return;
    }
    if (now - busy_since_ns_ < busy_limit_ns(tick_ns_)) return;
    const std::string ms = std::to_string((now - busy_since_ns_) / 1'000'000ULL);
    throw CliError(kExitError,
                   snapshot_pending_
                       ? "the value table stayed busy for " + ms +
                             " ms (a writer stuck mid-update?); no snapshot could be read"
                       : "ring slot " + std::to_string(follower_->position()) +
                             " stayed busy for " + ms + " ms (a writer stuck mid-update?)");
  }

  // Prints every batch available now. True once --count batches have been printed.
  bool drain() {
    Batch batch;
    for (int i = 0; i < kMaxBatchesPerWake && !stop_requested(); ++i) {
      const PollResult result = follower_->poll(batch);
      if (result != PollResult::kBusy) busy_since_ns_ = 0;
      switch (result) {
        case PollResult::kBatch:
          snapshot_pending_ = false;
          printer_->batch(client_, *follower_, batch);
          if (options_.count && ++batches_ >= *options_.count) return true;
          break;
        case PollResult::kCorrupt:
          printer_->corrupt(follower_->position() - 1, follower_->corrupt_count());
          break;
        case PollResult::kIdle:
          return false;
        case PollResult::kBusy:  // the broker is mid-write: the next wake-up gets it, or gives up
          note_busy();
          return false;
      }
    }
    return false;
  }

  // Reports each change of health once; while gone, tries to attach to a new broker.
  void check_health() {
    const BrokerHealth now = client_.health();
    if (now != health_) {
      const std::string problem = health_problem(client_, now);
      printer_->health(now, problem.empty() ? "broker is alive again" : problem);
      health_ = now;
    }
    if (health_ == BrokerHealth::kGone) try_reattach();
  }

  void try_reattach() {
    try {
      if (!client_.reattach()) return;
    } catch (const Error& e) {
      // E.g. a segment of another owner took the name: say so once, keep waiting.
      if (e.what() != last_attach_error_) printer_->attach_error(e.what());
      last_attach_error_ = e.what();
      return;
    }
    last_attach_error_.clear();
    // A new follower rather than resync(): the new ring may have larger slots than the buffer
    // the old follower sized for the previous broker.
    follower_ = std::make_unique<RingFollower>(client_);
    snapshot_pending_ = true;
    health_ = BrokerHealth::kAlive;
    adopt_tick();
    printer_->reattached(client_.info());
  }

  const CliOptions& options_;
  Client client_;
  std::unique_ptr<WatchPrinter> printer_;
  std::unique_ptr<RingFollower> follower_;  // points at client_, which never moves
  BrokerHealth health_ = BrokerHealth::kAlive;
  std::uint64_t tick_ns_ = 0;
  std::uint64_t interval_ns_ = 0;
  std::uint64_t next_health_check_ns_ = 0;
  std::uint64_t batches_ = 0;
  bool snapshot_pending_ = true;     // the follower has not delivered its first snapshot
  std::uint64_t busy_since_ns_ = 0;  // monotonic time of the first of consecutive kBusy polls
  std::string last_attach_error_;
};

}  // namespace

int run_watch(const CliOptions& options) {
  install_stop_handlers();
  Watcher watcher(options, open_client(options));
  return watcher.run();
}

}  // namespace sysring::cli
