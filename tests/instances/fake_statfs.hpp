// A statvfs stand-in for the filesystem tests: made-up values per path, failures on request,
// and calls that hang on chosen paths until the test releases them (a dead NFS server).
// Thread-safe; shared by pointer, so a call still hanging outlives the source that made it.
#pragma once

#include <sys/statvfs.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "sources/linux/statfs_worker.hpp"

namespace sysring::test {

class FakeStatfs : public std::enable_shared_from_this<FakeStatfs> {
 public:
  static constexpr unsigned long kFrsize = 4096;

  // The function to hand a StatfsWorker; it keeps this fake alive while calls run.
  broker::linux_instances::StatfsFunction function() {
    return [self = shared_from_this()](const char* path, struct statvfs* out) {
      return self->call(path, out);
    };
  }

  // f_blocks for `path` (others get a value derived from the path's length).
  void set_blocks(const std::string& path, unsigned long blocks) {
    const std::lock_guard lock(mutex_);
    blocks_[path] = blocks;
  }
  void set_readonly(const std::string& path) {
    const std::lock_guard lock(mutex_);
    readonly_.insert(path);
  }
  void fail(const std::string& path, int err) {
    const std::lock_guard lock(mutex_);
    errors_[path] = err;
  }
  // Calls on `path` block until release(path).
  void hang(const std::string& path) {
    const std::lock_guard lock(mutex_);
    hanging_.insert(path);
  }
  void release(const std::string& path) {
    {
      const std::lock_guard lock(mutex_);
      hanging_.erase(path);
    }
    released_.notify_all();
  }
  void release_all() {
    {
      const std::lock_guard lock(mutex_);
      hanging_.clear();
    }
    released_.notify_all();
  }

  [[nodiscard]] int calls(const std::string& path) const {
    const std::lock_guard lock(mutex_);
    const auto it = calls_.find(path);
    return it == calls_.end() ? 0 : it->second;
  }
  // The thread of the latest call on `path` (default-constructed before any).
  [[nodiscard]] std::thread::id last_thread(const std::string& path) const {
    const std::lock_guard lock(mutex_);
    const auto it = threads_.find(path);
    return it == threads_.end() ? std::thread::id{} : it->second;
  }
  [[nodiscard]] int in_flight() const {
    const std::lock_guard lock(mutex_);
    return in_flight_;
  }
  [[nodiscard]] int max_in_flight() const {
    const std::lock_guard lock(mutex_);
    return max_in_flight_;
  }
  // Waits until no call is running (a released call has returned), at most `limit`.
  bool wait_idle(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex_);
    return returned_.wait_for(lock, limit, [&] { return in_flight_ == 0; });
  }

  // The values the fake gives `path`, for comparisons.
  [[nodiscard]] unsigned long blocks_of(const std::string& path) const {
    const std::lock_guard lock(mutex_);
    const auto it = blocks_.find(path);
    return it != blocks_.end() ? it->second : 1000 + path.size();
  }

 private:
  int call(const char* path_text, struct statvfs* out) {
    const std::string path(path_text);
    std::unique_lock lock(mutex_);
    ++calls_[path];
    threads_[path] = std::this_thread::get_id();
    ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_, in_flight_);
    released_.wait(lock, [&] { return hanging_.count(path) == 0; });
    --in_flight_;
    returned_.notify_all();
    if (const auto e = errors_.find(path); e != errors_.end()) {
      const int err = e->second;
      lock.unlock();  // errno last: nothing after it may touch it
      errno = err;
      return -1;
    }
    *out = {};
    out->f_frsize = kFrsize;
    out->f_bsize = kFrsize;
    const auto b = blocks_.find(path);
    out->f_blocks = b != blocks_.end() ? b->second : 1000 + path.size();
    out->f_bfree = out->f_blocks / 2;
    out->f_bavail = out->f_blocks / 4;
    out->f_files = 5000;
    out->f_ffree = 4000;
    out->f_flag = readonly_.count(path) != 0 ? ST_RDONLY : 0;
    return 0;
  }

  mutable std::mutex mutex_;
  std::condition_variable released_;
  std::condition_variable returned_;
  std::map<std::string, unsigned long> blocks_;
  std::map<std::string, int> errors_;
  std::map<std::string, int> calls_;
  std::map<std::string, std::thread::id> threads_;
  std::set<std::string> readonly_;
  std::set<std::string> hanging_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
};

}  // namespace sysring::test
