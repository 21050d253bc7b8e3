// Publishes FlatBuffer batches into the delta ring. One writer: the broker's tick thread.
//
// Per batch: seqlock-write the slot (position, length, payload words), then release-store
// ring_head = position + 1. A reader that acquires ring_head sees the slot complete; a reader
// that lags by more than slot_count positions finds a larger position in the slot: lapped.
#pragma once

#include <cstdint>
#include <span>

#include "sysring/layout.hpp"

namespace sysring::broker {

class RingWriter {
 public:
  RingWriter(layout::Header& header, std::uint8_t* ring_base, std::uint32_t slot_count,
             std::uint32_t slot_size) noexcept;

  // Payload bytes one slot holds.
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
  [[nodiscard]] std::uint64_t head() const noexcept { return head_; }

  // Returns false, publishing nothing, if `batch` does not fit capacity() (the encoder sizes
  // batches so this cannot happen; the check keeps a bug from overrunning the next slot).
  // `deltas` only feeds the bytes-per-delta statistics.
  bool publish(std::span<const std::uint8_t> batch, std::uint64_t deltas) noexcept;

 private:
  layout::Header* header_;
  std::uint8_t* base_;
  std::uint32_t slot_count_;
  std::uint32_t slot_size_;
  std::size_t capacity_;
  std::uint64_t head_;  // the writer's own copy: no need to re-load the shared word
};

}  // namespace sysring::broker
