// `sysring top`: a live view of the machine from the segment alone. Each broker tick it takes
// one consistent copy of the values (TopSampler), turns the last two into shares and rates
// (build_model), lays them out for the terminal's size (layout_top) and repaints the screen
// with one write. Between ticks it sleeps until the next heartbeat is due, waking early only
// for a key, a resize or a stop signal. On a pipe it prints one plain block per refresh.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>

#include "broker_session.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "stop_signal.hpp"
#include "terminal.hpp"
#include "top_frame.hpp"
#include "top_layout.hpp"
#include "top_model.hpp"
#include "top_sampler.hpp"
#include "verbs.hpp"

namespace sysring::cli {
namespace {

// Meters sized for a classic terminal when the output is a pipe.
constexpr std::size_t kPlainColumns = 80;

class TopView {
 public:
  TopView(const CliOptions& options, Client client, Terminal* terminal, const SignalGate& gate)
      : options_(options),
        client_(std::move(client)),
        terminal_(terminal),
        gate_(gate),
        // NOLINTNEXTLINE(concurrency-mt-unsafe): read once, before anything could set it
        colour_(std::getenv("NO_COLOR") == nullptr) {
    if (terminal_ != nullptr) size_ = terminal_->size();
    adopt_broker();
  }

  int run() {
    // The first look has levels but no rates yet: a terminal shows it at once, a pipe waits for
    // the second so that every block it prints is complete.
    if (take_sample() && terminal_ != nullptr && present(true)) return kExitOk;
    while (!stop_requested()) {
      const std::uint64_t now = monotonic_ns();
      const bool key = gate_.wait(terminal_ != nullptr ? terminal_->key_fd() : -1,
                                  wake_at_ns_ > now ? wake_at_ns_ - now : 0);
      if (stop_requested()) break;
      if (key && terminal_->read_quit_keys()) break;
      bool resized = false;
      if (terminal_ != nullptr && take_resize()) {
        size_ = terminal_->size();
        resized = true;
      }
      const bool refresh = monotonic_ns() >= wake_at_ns_ && on_wake();
      if ((refresh || resized) && present(refresh)) break;  // --count reached
    }
    return kExitOk;
  }

 private:
  // After open and after every reattach: the new broker's tick, families and instances.
  void adopt_broker() {
    const SegmentInfo info = client_.info();
    tick_ns_ = std::max<std::uint64_t>(info.tick_period_ns, 1'000'000ULL);
    sampler_ = std::make_unique<TopSampler>(client_);
    have_before_ = false;
    last_tick_ = UINT64_MAX;
    status_.segment = options_.segment;
    status_.broker_pid = info.broker_pid;
    status_.tick_ms = tick_ns_ / 1'000'000ULL;
    status_.counters_summary = client_.counters_summary();
    status_.keys = terminal_ != nullptr && terminal_->key_fd() >= 0;
  }

  // True when there is something new to show: a tick's values or a change of the broker's health.
  bool on_wake() {
    const bool health_changed = check_health();
    if (health_ == BrokerHealth::kGone) {
      wake_at_ns_ = monotonic_ns() + tick_ns_;  // try to reattach once a tick
      return health_changed;
    }
    const std::uint64_t tick = client_.live_header().tick_count.load(std::memory_order_acquire);
    if (tick == last_tick_) {
      // A late broker: look again soon rather than a whole tick later. A stale one: once a tick,
      // which is how often its status line's age moves.
      wake_at_ns_ = monotonic_ns() + (health_ == BrokerHealth::kStale ? tick_ns_ : tick_ns_ / 20);
      return health_changed;
    }
    return take_sample() || health_changed;
  }

  // Reads the values; true when a model is ready to show.
  bool take_sample() {
    if (!sampler_->sample(after_)) {
      wake_at_ns_ = monotonic_ns() + tick_ns_ / 20;  // the broker kept publishing: retry
      return false;
    }
    const bool had_before = have_before_;
    last_tick_ = after_.tick_count;
    if (had_before) {
      build_model(before_, after_, model_);
    } else {
      build_first_model(after_, model_);
    }
    std::swap(before_, after_);
    have_before_ = true;
    complete_ = had_before;
    // The next publish ends about one tick after this one's heartbeat; wake a little after it.
    const std::uint64_t beat = client_.live_header().heartbeat_ns.load(std::memory_order_acquire);
    const std::uint64_t margin = std::clamp<std::uint64_t>(tick_ns_ / 50, 2'000'000, 50'000'000);
    const std::uint64_t now = monotonic_ns();
    wake_at_ns_ = beat + tick_ns_ + margin;
    if (wake_at_ns_ <= now || wake_at_ns_ > now + 2 * tick_ns_) wake_at_ns_ = now + tick_ns_;
    return complete_ || terminal_ != nullptr;
  }

  // Updates health and the status line; while gone, tries to attach to a new broker. True when
  // the state changed (a terminal also repaints when the stale age moves).
  bool check_health() {
    BrokerHealth now = client_.health();
    bool reattached = false;
    if (now == BrokerHealth::kGone) reattached = try_reattach();
    if (reattached) now = client_.health();
    std::string problem = health_problem(client_, now);
    if (now == BrokerHealth::kGone && !attach_error_.empty()) {
      problem += " (a new segment was refused: " + attach_error_ + ")";
    } else if (reattached && problem.empty()) {
      problem = "re-attached to a new broker; rates resume next tick";
    }
    const bool state_changed = now != health_ || reattached;
    const bool text_changed = problem != status_.problem;
    health_ = now;
    status_.problem = std::move(problem);
    return state_changed || (terminal_ != nullptr && text_changed);
  }

  bool try_reattach() {
    try {
      if (!client_.reattach()) return false;
    } catch (const Error& e) {
      attach_error_ = e.what();  // e.g. a segment of another owner took the name
      return false;
    }
    attach_error_.clear();
    adopt_broker();
    return true;
  }

  // Shows the model; true once --count refreshes have been shown (a repaint for a resize
  // alone is not a refresh).
  bool present(bool refresh) {
    if (terminal_ != nullptr) {
      layout_top(model_, status_, size_, lines_);
      render_screen(lines_, colour_, frame_);
      terminal_->write_all(frame_);
    } else {
      layout_top(model_, status_, {kPlainColumns, SIZE_MAX, false}, lines_);
      render_plain(lines_, frame_);
      write_stdout(frame_);
    }
    return refresh && options_.count && ++refreshes_ >= *options_.count;
  }

  const CliOptions& options_;
  Client client_;
  Terminal* terminal_;  // null: stdout is not a terminal
  const SignalGate& gate_;
  bool colour_;
  ScreenSize size_;
  std::unique_ptr<TopSampler> sampler_;  // reads client_, which never moves
  TopSample before_, after_;
  bool have_before_ = false;
  bool complete_ = false;  // the model has rates (two looks)
  TopModel model_;
  TopStatus status_;
  std::vector<ScreenLine> lines_;
  std::string frame_;
  BrokerHealth health_ = BrokerHealth::kAlive;
  std::string attach_error_;
  std::uint64_t tick_ns_ = 0;
  std::uint64_t last_tick_ = UINT64_MAX;
  std::uint64_t wake_at_ns_ = 0;
  std::uint64_t refreshes_ = 0;
};

}  // namespace

int run_top(const CliOptions& options) {
  install_stop_handlers();
  const SignalGate gate;
  Client client = open_client(options);
  std::optional<Terminal> terminal;
  if (::isatty(STDOUT_FILENO) == 1) terminal.emplace(STDIN_FILENO, STDOUT_FILENO);
  TopView view(options, std::move(client), terminal ? &*terminal : nullptr, gate);
  return view.run();
}

}  // namespace sysring::cli
