// A ring batch as `sysring watch` shows it: every value (number, string or counter) in id then
// row order, each named with the instance it is of, the cells that turned unavailable, and the
// labels of the batch's instance events. Shared by the text and the JSON printer.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "sysring/ring_follower.hpp"

namespace sysring::cli {

// Whom a value is of: nobody (a scalar), or one instance with its labels.
struct ValueOwner {
  bool scalar = true;
  std::string name;
  std::vector<InstanceLabel> labels;
};

struct WatchValue {
  const Descriptor* descriptor = nullptr;
  std::uint32_t row = 0;
  ValueOwner owner;
  std::uint64_t bits = 0;
  const std::string* text = nullptr;       // set for string deltas
  const CounterTotals* counter = nullptr;  // set for counter deltas
};

struct WatchCell {
  const Descriptor* descriptor = nullptr;
  ValueOwner owner;
};

class BatchView {
 public:
  // Names rows through the follower, which still names a row that this batch removes.
  BatchView(const Client& client, const RingFollower& follower, const Batch& batch);

  [[nodiscard]] const std::vector<WatchValue>& values() const noexcept { return values_; }
  [[nodiscard]] const std::vector<WatchCell>& unavailable() const noexcept { return unavailable_; }

 private:
  const Descriptor* describe(MetricId id);
  ValueOwner owner_of(const Descriptor& d, std::uint32_t row) const;

  const Client& client_;
  const RingFollower& follower_;
  std::deque<Descriptor> placeholders_;  // for ids the segment does not describe; stable addresses
  std::vector<WatchValue> values_;
  std::vector<WatchCell> unavailable_;
};

// "unavailable: <the descriptor's reason>", or "unavailable".
[[nodiscard]] std::string unavailable_text(const Descriptor& descriptor);

}  // namespace sysring::cli
