#include "sources/linux/statfs_worker.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sysring::broker::linux_instances {
namespace {

using Clock = std::chrono::steady_clock;

// One path and its latest answer. Shared with a caller thread while it is being asked.
struct Slot {
  explicit Slot(std::string p) : path(std::move(p)) {}
  const std::string path;  // never changes: callers read it without the lock
  StatfsAnswer answer;     // guarded by Shared::mutex
  bool stuck = false;      // guarded: a call is outstanding past the timeout
};

// One caller thread's state, guarded by Shared::mutex.
struct Caller {
  bool in_call = false;
  Clock::time_point call_started{};
  bool abandoned = false;  // stuck: the coordinator went on with another caller
};

}  // namespace

struct StatfsWorker::Shared {
  explicit Shared(StatfsFunction f) : statfs(std::move(f)) {}

  const StatfsFunction statfs;
  std::mutex mutex;
  std::condition_variable coordinator_wake;  // a round request, a round's end, or stop
  std::condition_variable caller_wake;       // a round to work through, or stop
  std::condition_variable round_done;
  std::vector<std::shared_ptr<Slot>> slots;  // the paths of the next round, in set_paths order
  std::uint64_t requested = 0;               // rounds asked for by collect()
  std::uint64_t completed = 0;               // the latest request a finished round served

  // The round in progress: the caller takes round[next] until the end, then completes it.
  std::vector<std::shared_ptr<Slot>> round;
  std::size_t next = 0;
  std::uint64_t round_target = 0;
  bool round_active = false;

  std::size_t stuck_calls = 0;
  bool stopping = false;

  void finish_round() {
    round_active = false;
    completed = round_target;
    round_done.notify_all();
    coordinator_wake.notify_all();
  }
};

namespace {

using Shared = StatfsWorker::Shared;

// A caller thread works through whole rounds, so a healthy round costs two wake-ups whatever
// the number of mounts. It exits when stopped, or when it returns from a call it was abandoned
// in. Holds the shared state alive for as long as it runs.
// NOLINTNEXTLINE(performance-unnecessary-value-param): the thread owns these references
void run_caller(std::shared_ptr<Shared> shared, std::shared_ptr<Caller> me) {
  std::unique_lock lock(shared->mutex);
  for (;;) {
    shared->caller_wake.wait(lock, [&] { return shared->round_active || shared->stopping; });
    if (shared->stopping) return;
    while (shared->next < shared->round.size() && !shared->stopping) {
      const std::shared_ptr<Slot> slot = shared->round[shared->next++];
      if (slot->stuck) continue;
      me->in_call = true;
      me->call_started = Clock::now();
      lock.unlock();
      const StatfsAnswer answer = statfs_answer(shared->statfs, slot->path);
      lock.lock();
      me->in_call = false;
      slot->answer = answer;
      if (slot->stuck) {
        slot->stuck = false;
        --shared->stuck_calls;
      }
      if (me->abandoned) return;  // another caller owns the round now
    }
    if (shared->round_active) shared->finish_round();
  }
}

// Starts rounds and watches the call in progress: it sleeps until the round ends or the
// current call passes its timeout, so healthy rounds never wake it per mount.
class Coordinator {
 public:
  Coordinator(std::shared_ptr<Shared> shared, std::chrono::milliseconds call_timeout,
              std::size_t max_stuck_calls)
      : shared_(std::move(shared)), call_timeout_(call_timeout), max_stuck_(max_stuck_calls) {}

  void run() {
    std::unique_lock lock(shared_->mutex);
    for (;;) {
      shared_->coordinator_wake.wait(
          lock, [&] { return shared_->stopping || shared_->requested > shared_->completed; });
      if (shared_->stopping) break;
      start_round();
      watch_round(lock);
    }
    stop_caller(lock);
  }

 private:
  void start_round() {
    Shared& s = *shared_;
    s.round.assign(s.slots.begin(), s.slots.end());  // capacity reused
    s.next = 0;
    s.round_target = s.requested;
    s.round_active = true;
    hand_on();
  }

  // Gives the rest of the round to the caller, starting one when needed; with none left
  // (too many stuck calls) the rest is not asked this round.
  void hand_on() {
    Shared& s = *shared_;
    if (caller_ == nullptr && s.stuck_calls < max_stuck_) start_caller();
    if (caller_ != nullptr) {
      s.caller_wake.notify_all();
      return;
    }
    for (; s.next < s.round.size(); ++s.next) {
      if (!s.round[s.next]->stuck) s.round[s.next]->answer = {};
    }
    s.finish_round();
  }

  void watch_round(std::unique_lock<std::mutex>& lock) {
    Shared& s = *shared_;
    while (s.round_active && !s.stopping) {
      const Clock::time_point deadline =
          (caller_->in_call ? caller_->call_started : Clock::now()) + call_timeout_;
      s.coordinator_wake.wait_until(lock, deadline);
      if (!s.round_active || s.stopping) return;
      if (caller_->in_call && Clock::now() - caller_->call_started >= call_timeout_) {
        abandon_caller();
        hand_on();
      }
    }
  }

  // The call in progress is stuck: its path is skipped until it returns, and its thread is
  // left to finish alone.
  void abandon_caller() {
    Shared& s = *shared_;
    const std::shared_ptr<Slot>& slot = s.round[s.next - 1];
    slot->stuck = true;
    slot->answer = {StatfsAnswer::State::kStuck, 0, {}};
    ++s.stuck_calls;
    caller_->abandoned = true;
    caller_thread_.detach();
    caller_.reset();
  }

  void start_caller() {
    caller_ = std::make_shared<Caller>();
    caller_thread_ = std::thread(run_caller, shared_, caller_);
  }

  // An idle caller sees `stopping` and exits: join it. One inside a call may never return:
  // leave it to finish alone.
  void stop_caller(std::unique_lock<std::mutex>& lock) {
    if (caller_ == nullptr) return;
    const bool busy = caller_->in_call;
    lock.unlock();
    shared_->caller_wake.notify_all();
    if (busy) {
      caller_thread_.detach();
    } else {
      caller_thread_.join();
    }
  }

  std::shared_ptr<Shared> shared_;
  std::chrono::milliseconds call_timeout_;
  std::size_t max_stuck_;
  std::shared_ptr<Caller> caller_;
  std::thread caller_thread_;
};

}  // namespace

StatfsAnswer statfs_answer(const StatfsFunction& statfs, const std::string& path) {
  struct statvfs st {};
  StatfsAnswer answer;
  errno = 0;
  if (statfs(path.c_str(), &st) == 0) {
    answer.state = StatfsAnswer::State::kOk;
    answer.values = statfs_values(st);
  } else {
    answer.state = StatfsAnswer::State::kError;
    answer.error = errno != 0 ? errno : EIO;
  }
  return answer;
}

StatfsValues statfs_values(const struct statvfs& st) {
  StatfsValues v;
  v.size_bytes = std::uint64_t{st.f_blocks} * st.f_frsize;
  v.free_bytes = std::uint64_t{st.f_bfree} * st.f_frsize;
  v.avail_bytes = std::uint64_t{st.f_bavail} * st.f_frsize;
  v.files = st.f_files;
  v.files_free = st.f_ffree;
  return v;
}

StatfsWorker::StatfsWorker(StatfsWorkerOptions options)
    : shared_(std::make_shared<Shared>(options.statfs ? std::move(options.statfs)
                                                      : StatfsFunction(&::statvfs))),
      refresh_wait_(options.refresh_wait) {
  coordinator_ = std::thread(
      [coordinator = Coordinator(shared_, options.call_timeout,
                                 options.max_stuck_calls)]() mutable { coordinator.run(); });
}

StatfsWorker::~StatfsWorker() {
  {
    const std::lock_guard lock(shared_->mutex);
    shared_->stopping = true;
  }
  shared_->coordinator_wake.notify_all();
  shared_->caller_wake.notify_all();
  shared_->round_done.notify_all();
  coordinator_.join();  // the coordinator only ever waits on condition variables
}

void StatfsWorker::set_paths(std::span<const std::string> paths) {
  const std::lock_guard lock(shared_->mutex);
  std::unordered_map<std::string_view, std::shared_ptr<Slot>> previous;
  for (const auto& slot : shared_->slots) previous.emplace(slot->path, slot);
  std::vector<std::shared_ptr<Slot>> next;
  next.reserve(paths.size());
  for (const std::string& path : paths) {
    const auto it = previous.find(path);
    next.push_back(it != previous.end() ? it->second : std::make_shared<Slot>(path));
  }
  shared_->slots = std::move(next);
}

void StatfsWorker::request() {
  if (requested_ != 0) return;
  {
    const std::lock_guard lock(shared_->mutex);
    requested_ = ++shared_->requested;
  }
  shared_->coordinator_wake.notify_all();
}

bool StatfsWorker::collect(std::span<StatfsAnswer> out) {
  std::unique_lock lock(shared_->mutex);
  const std::uint64_t target = requested_ != 0 ? requested_ : ++shared_->requested;
  requested_ = 0;
  shared_->coordinator_wake.notify_all();
  const bool finished = shared_->round_done.wait_for(
      lock, refresh_wait_, [&] { return shared_->completed >= target || shared_->stopping; });
  const std::size_t n = std::min(out.size(), shared_->slots.size());
  for (std::size_t i = 0; i < n; ++i) out[i] = shared_->slots[i]->answer;
  for (std::size_t i = n; i < out.size(); ++i) out[i] = {};
  return finished && shared_->completed >= target;
}

std::size_t StatfsWorker::stuck_calls() const {
  const std::lock_guard lock(shared_->mutex);
  return shared_->stuck_calls;
}

}  // namespace sysring::broker::linux_instances
