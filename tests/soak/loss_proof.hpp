// A follower's lost batches counted twice: as RingFollower reports them (Batch::lost_batches)
// and as the ring positions of the batches it delivered prove them. After a lap the follower
// resynchronises from the value table; the next batch read from the ring carries the position
// of its slot, so the positions skipped are (that position) - (the one after the last ring
// batch before the lap). A ring batch further on than the next position without a lap is a
// silent loss: proven, not reported. The two totals must be equal.
#pragma once

#include <cstdint>

#include "sysring/ring_follower.hpp"

namespace sysring::soak {

class LossProof {
 public:
  // `lapped`: the follower's lapped_count() went up with this batch.
  void batch(const Batch& b, std::uint64_t epoch, bool lapped) {
    reported_ += b.lost_batches;
    if (epoch != epoch_) {  // a new broker: its ring starts afresh, nothing lost
      settle_pending();
      epoch_ = epoch;
      have_next_ = false;
    }
    if (b.from_value_table) {
      if (lapped && have_next_) {
        if (!pending_) pending_from_ = next_;
        pending_ = true;
        ++laps_;
      } else if (!lapped) {
        settle_pending();
      }
      snapshot_position_ = b.position;
      next_ = b.position;
      have_next_ = true;
      return;
    }
    if (pending_) {
      proven_ += b.position - pending_from_;
      pending_ = false;
    } else if (have_next_ && b.position != next_) {
      if (b.position > next_) {
        proven_ += b.position - next_;
        ++silent_gaps_;
      } else {
        ++replays_;  // a position delivered twice
      }
    }
    next_ = b.position + 1;
    have_next_ = true;
  }
  // At the end (or a new broker) a lap with no ring batch after it: its snapshot's position is
  // the best proof there is.
  void settle_pending() {
    if (!pending_) return;
    proven_ += snapshot_position_ - pending_from_;
    pending_ = false;
  }

  [[nodiscard]] std::uint64_t reported() const { return reported_; }
  [[nodiscard]] std::uint64_t proven() const { return proven_; }
  [[nodiscard]] std::uint64_t laps() const { return laps_; }
  [[nodiscard]] std::uint64_t silent_gaps() const { return silent_gaps_; }
  [[nodiscard]] std::uint64_t replays() const { return replays_; }

 private:
  std::uint64_t epoch_ = 0;
  bool have_next_ = false;
  std::uint64_t next_ = 0;  // the position the next ring batch must have
  bool pending_ = false;    // a lap whose first ring batch after it has not come yet
  std::uint64_t pending_from_ = 0;
  std::uint64_t snapshot_position_ = 0;
  std::uint64_t reported_ = 0, proven_ = 0, laps_ = 0, silent_gaps_ = 0, replays_ = 0;
};

}  // namespace sysring::soak
