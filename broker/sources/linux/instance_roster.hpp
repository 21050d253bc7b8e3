// The instances one kernel file lists, kept in the order of its last read, so a refresh finds
// each line's instance at the next position: in steady state one name comparison per line and
// no allocation. An instance is allocated when its name first appears; instances a refresh did
// not see are destroyed by end() (closing the files they hold).
//
//   roster.begin();
//   for each line:  Entry* e = roster.match(name);
//                   if (e == nullptr && !roster.seen(name)) e = &roster.insert(make(name));
//   roster.end();
#pragma once

#include <cstddef>
#include <iterator>
#include <string_view>
#include <utility>
#include <vector>

namespace sysring::broker::linux_instances {

// Entry has a `name` member comparable with std::string_view.
template <class Entry>
class InstanceRoster {
 public:
  void begin() { next_ = 0; }

  // The entry named `name`, moved to the refresh's next position; nullptr when it is not among
  // the entries this refresh has not seen yet.
  Entry* match(std::string_view name) {
    for (std::size_t i = next_; i < entries_.size(); ++i) {
      if (entries_[i].name != name) continue;
      if (i != next_) std::swap(entries_[i], entries_[next_]);
      return &entries_[next_++];
    }
    return nullptr;
  }

  // Whether this refresh already matched `name`: a second line of one name is not a new entry.
  [[nodiscard]] bool seen(std::string_view name) const {
    for (std::size_t i = 0; i < next_; ++i) {
      if (entries_[i].name == name) return true;
    }
    return false;
  }

  // A new entry at the refresh's next position.
  Entry& insert(Entry entry) {
    const auto at =
        entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(next_), std::move(entry));
    ++next_;
    return *at;
  }

  // Drops the entries this refresh did not see.
  void end() {
    entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(next_), entries_.end());
  }

  [[nodiscard]] std::size_t size() const { return entries_.size(); }

 private:
  std::vector<Entry> entries_;
  std::size_t next_ = 0;  // entries_[0, next_) were seen by this refresh, in file order
};

}  // namespace sysring::broker::linux_instances
