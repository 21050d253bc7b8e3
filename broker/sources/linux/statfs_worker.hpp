// statvfs(2) of many mount points off the refresh thread, so that a hung mount (a dead NFS
// server) never stalls a refresh and never stops the other mounts from being read.
//
//   refresh thread            coordinator thread              caller thread
//   collect(): request a  ->  start the round, then sleep  ->  statvfs(each path of the
//   round, wait <= refresh     until it ends or the call in     round) -> its slot; at the
//   _wait, copy the latest     progress passes call_timeout     end, round done
//   answer of every path  <-------------------------------------'
//
// - The refresh never waits longer than refresh_wait (a few ms). When the round finishes in that
//   time (every healthy local mount: microseconds) it publishes that round's answers; otherwise
//   the latest answers the worker has, from earlier rounds, and the round goes on in the
//   background (further requests coalesce into the next round).
// - A call that has not returned within call_timeout marks its path stuck: its answer is kStuck
//   and later rounds skip it until the call returns (node_exporter's stuckMounts rule). The
//   stuck caller thread is abandoned and a new one continues the round, so a stuck call delays
//   the others once, by call_timeout. A healthy round costs two thread wake-ups whatever the
//   number of mounts. At most max_stuck_calls calls may be stuck at once; past
//   that there is no caller to hand a path to, and every other path answers kNone until a stuck
//   call returns (threads stay bounded).
// - An abandoned caller, when its call returns at last, stores the answer (the path is healthy
//   again and joins the next round) and exits. Callers share the worker's state through a
//   shared_ptr, so one still stuck when the worker is destroyed is detached and finishes alone;
//   the destructor joins the coordinator and an idle caller, and never waits on a statvfs call.
// - The statfs function is a seam for tests (a call that blocks until released); it is called
//   from the caller threads, possibly several at once, and may outlive the worker.
#pragma once

#include <sys/statvfs.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <thread>

namespace sysring::broker::linux_instances {

using StatfsFunction = std::function<int(const char* path, struct statvfs* out)>;

// The values the filesystem families need, decoded from one struct statvfs.
struct StatfsValues {
  std::uint64_t size_bytes = 0;   // f_blocks * f_frsize
  std::uint64_t free_bytes = 0;   // f_bfree * f_frsize
  std::uint64_t avail_bytes = 0;  // f_bavail * f_frsize
  std::uint64_t files = 0;        // f_files
  std::uint64_t files_free = 0;   // f_ffree
  // No ST_RDONLY: statvfs answers for the caller's mount namespace, and a sandbox's read-only
  // remounts would show there; fs.readonly comes from the mount table (mount_list.hpp).
};

StatfsValues statfs_values(const struct statvfs& st);

struct StatfsAnswer {
  enum class State : std::uint8_t {
    kNone,   // not answered yet (a new path, or no caller left to ask)
    kOk,     // values hold the latest answer
    kError,  // the call failed with `error`
    kStuck,  // a call is outstanding past the timeout; skipped until it returns
  };
  State state = State::kNone;
  int error = 0;
  StatfsValues values{};
};

// One call of `statfs` on `path`, as an answer (kOk or kError with its errno). Blocks as long
// as the call does: the worker's callers use it, and so may a refresh for a filesystem type that
// cannot hang.
StatfsAnswer statfs_answer(const StatfsFunction& statfs, const std::string& path);

struct StatfsWorkerOptions {
  StatfsFunction statfs;  // empty: ::statvfs
  std::chrono::milliseconds call_timeout{1000};
  std::chrono::milliseconds refresh_wait{5};
  std::size_t max_stuck_calls = 4;
};

class StatfsWorker {
 public:
  explicit StatfsWorker(StatfsWorkerOptions options);
  ~StatfsWorker();
  StatfsWorker(const StatfsWorker&) = delete;
  StatfsWorker& operator=(const StatfsWorker&) = delete;
  StatfsWorker(StatfsWorker&&) = delete;
  StatfsWorker& operator=(StatfsWorker&&) = delete;

  // Replaces the paths of later rounds. A path listed before keeps its answer and its stuck
  // state (a hung mount stays skipped); a new path starts at kNone. Allocates: call it when the
  // mount table changed, not every refresh.
  void set_paths(std::span<const std::string> paths);

  // Requests a round now without waiting for it, so the caller can work meanwhile; the next
  // collect() waits for this round rather than requesting another.
  void request();

  // Requests a round (unless request() did), waits at most refresh_wait for it, and copies the
  // latest answer of each path (in set_paths() order) into `out`, which must have one element
  // per path. Returns true when the round finished within the wait. Does not allocate.
  bool collect(std::span<StatfsAnswer> out);

  // Calls now stuck past the timeout (their threads abandoned and not yet returned).
  [[nodiscard]] std::size_t stuck_calls() const;

  struct Shared;  // the state callers share with the worker; defined in the .cpp

 private:
  std::shared_ptr<Shared> shared_;
  std::chrono::milliseconds refresh_wait_;
  std::uint64_t requested_ = 0;  // the round request() made, not collected yet (0: none)
  std::thread coordinator_;
};

}  // namespace sysring::broker::linux_instances
