// The quotas' memory (docs/PROCESS_COUNTERS.md "Policy"): how many counters each caller uid
// holds on each live target. It keeps counts, never descriptors; an entry goes when its target
// has exited (same pid with another start time, or no pid at all).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sysring::broker::requests {

class GrantLedger {
 public:
  // The target's current start time, nullopt when it is gone (target_start_ticks over /proc).
  using StartTicks = std::function<std::optional<std::uint64_t>(pid_t)>;

  GrantLedger(std::uint32_t max_per_uid, std::uint32_t max_total, StartTicks start_ticks);

  // Empty when `uid` may be granted `count` more counters, else the one-line refusal. Entries of
  // exited targets are dropped first when they would make the difference.
  [[nodiscard]] std::string check(uid_t uid, std::uint32_t count);
  void record(uid_t uid, pid_t pid, std::uint64_t start_ticks, std::uint32_t count);
  // Drops the entries whose target has exited.
  void prune();

  [[nodiscard]] std::uint32_t held_by(uid_t uid) const;
  [[nodiscard]] std::uint32_t held_total() const { return total_; }
  [[nodiscard]] std::size_t entries() const { return entries_.size(); }

 private:
  struct Entry {
    uid_t uid;
    pid_t pid;
    std::uint64_t start_ticks;
    std::uint32_t count;
  };
  [[nodiscard]] bool over(uid_t uid, std::uint32_t count) const;

  std::uint32_t max_per_uid_;
  std::uint32_t max_total_;
  StartTicks start_ticks_;
  std::vector<Entry> entries_;
  std::uint32_t total_ = 0;
};

}  // namespace sysring::broker::requests
