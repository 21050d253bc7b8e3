#include "ring_writer.hpp"

#include <cstring>

#include "sysring/seqlock.hpp"

namespace sysring::broker {

RingWriter::RingWriter(layout::Header& header, std::uint8_t* ring_base, std::uint32_t slot_count,
                       std::uint32_t slot_size) noexcept
    : header_(&header),
      base_(ring_base),
      slot_count_(slot_count),
      slot_size_(slot_size),
      capacity_(slot_size - sizeof(layout::RingSlotHeader)),
      head_(header.ring_head.load(std::memory_order_relaxed)) {}

bool RingWriter::publish(std::span<const std::uint8_t> batch, std::uint64_t deltas) noexcept {
  if (batch.size() > capacity_) return false;
  const std::uint64_t position = head_;
  auto* slot = reinterpret_cast<layout::RingSlotHeader*>(base_ + (position & (slot_count_ - 1)) *
                                                                     std::uint64_t{slot_size_});
  auto* payload = reinterpret_cast<layout::Word*>(slot + 1);

  const std::uint64_t s = seqlock::write_begin(slot->seq);
  seqlock::store(slot->position, position);
  seqlock::store(slot->length, batch.size());
  const std::size_t full_words = batch.size() / 8;
  for (std::size_t i = 0; i < full_words; ++i) {
    std::uint64_t w;
    std::memcpy(&w, batch.data() + i * 8, 8);
    seqlock::store(payload[i], w);
  }
  if (const std::size_t tail = batch.size() % 8; tail != 0) {
    std::uint64_t w = 0;
    std::memcpy(&w, batch.data() + full_words * 8, tail);
    seqlock::store(payload[full_words], w);
  }
  seqlock::write_end(slot->seq, s);

  head_ = position + 1;
  header_->ring_head.store(head_, std::memory_order_release);
  // Statistics: single writer, so load + store is enough.
  auto bump = [](layout::Word& w, std::uint64_t by) {
    w.store(w.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  };
  bump(header_->ring_deltas_total, deltas);
  bump(header_->ring_bytes_total, batch.size());
  return true;
}

}  // namespace sysring::broker
