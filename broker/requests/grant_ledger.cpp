#include "requests/grant_ledger.hpp"

#include <algorithm>
#include <utility>

namespace sysring::broker::requests {

GrantLedger::GrantLedger(std::uint32_t max_per_uid, std::uint32_t max_total, StartTicks start_ticks)
    : max_per_uid_(max_per_uid), max_total_(max_total), start_ticks_(std::move(start_ticks)) {}

std::uint32_t GrantLedger::held_by(uid_t uid) const {
  std::uint64_t held = 0;
  for (const Entry& e : entries_) {
    if (e.uid == uid) held += e.count;
  }
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(held, UINT32_MAX));
}

bool GrantLedger::over(uid_t uid, std::uint32_t count) const {
  return std::uint64_t{held_by(uid)} + count > max_per_uid_ ||
         std::uint64_t{total_} + count > max_total_;
}

void GrantLedger::prune() {
  const auto gone = [&](const Entry& e) { return start_ticks_(e.pid) != e.start_ticks; };
  const auto first = std::remove_if(entries_.begin(), entries_.end(), gone);
  entries_.erase(first, entries_.end());
  std::uint64_t total = 0;
  for (const Entry& e : entries_) total += e.count;
  total_ = static_cast<std::uint32_t>(std::min<std::uint64_t>(total, UINT32_MAX));
}

std::string GrantLedger::check(uid_t uid, std::uint32_t count) {
  if (!over(uid, count)) return {};
  prune();
  if (std::uint64_t{held_by(uid)} + count > max_per_uid_) {
    return "quota: uid " + std::to_string(uid) + " holds " + std::to_string(held_by(uid)) +
           " counters on live processes; " + std::to_string(count) + " more would pass " +
           "max_per_uid = " + std::to_string(max_per_uid_);
  }
  if (std::uint64_t{total_} + count > max_total_) {
    return "quota: " + std::to_string(total_) + " counters are held on live processes; " +
           std::to_string(count) + " more would pass max_total = " + std::to_string(max_total_);
  }
  return {};
}

void GrantLedger::record(uid_t uid, pid_t pid, std::uint64_t start_ticks, std::uint32_t count) {
  total_ += count;
  for (Entry& e : entries_) {
    if (e.uid == uid && e.pid == pid && e.start_ticks == start_ticks) {
      e.count += count;
      return;
    }
  }
  entries_.push_back({uid, pid, start_ticks, count});
}

}  // namespace sysring::broker::requests
