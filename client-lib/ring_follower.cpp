#include "sysring/ring_follower.hpp"

#include <algorithm>

#include "delta_batch_generated.h"

namespace sysring {
namespace {

// Decodes a verified batch. False if the parallel vectors disagree (a buggy or hostile writer).
bool decode(const schema::DeltaBatch& batch, Batch& out) {
  out.tick = batch.tick();
  out.timestamp_ns = batch.timestamp_ns();
  out.full_snapshot = batch.full_snapshot();
  out.from_value_table = false;
  out.part = batch.part();
  out.part_count = batch.part_count();
  out.values.clear();
  out.strings.clear();
  out.unavailable.clear();
  out.counters.clear();
  const auto* ids = batch.ids();
  const auto* values = batch.values();
  const std::size_t n = ids ? ids->size() : 0;
  if ((values ? values->size() : 0) != n) return false;
  for (std::size_t i = 0; i < n; ++i) out.values.push_back({ids->Get(i), values->Get(i)});
  const auto* string_ids = batch.string_ids();
  const auto* strings = batch.strings();
  const std::size_t s = string_ids ? string_ids->size() : 0;
  if ((strings ? strings->size() : 0) != s) return false;
  for (std::size_t i = 0; i < s; ++i)
    out.strings.push_back({string_ids->Get(i), strings->Get(i)->str()});
  if (const auto* gone = batch.unavailable_ids()) {
    for (const auto id : *gone) out.unavailable.push_back(static_cast<MetricId>(id));
  }
  const auto* counter_ids = batch.counter_ids();
  const auto* counters = batch.counters();
  const std::size_t c = counter_ids ? counter_ids->size() : 0;
  if ((counters ? counters->size() : 0) != c) return false;
  for (std::size_t i = 0; i < c; ++i) {
    const schema::CounterTotals* t = counters->Get(i);
    out.counters.push_back(
        {counter_ids->Get(i),
         CounterTotals{t->count(), t->time_enabled_ns(), t->time_running_ns(), out.timestamp_ns}});
  }
  return true;
}

}  // namespace

RingFollower::RingFollower(const Client& client) : client_(&client) {
  scratch_.resize(client.ring_slot_size() / sizeof(std::uint64_t));
}

bool RingFollower::snapshot_from_value_table(Batch& out, bool after_lap) {
  const layout::Header& h = client_->live_header();
  // Take the head first: every batch before it has its values in the table already (the broker
  // writes the table, then publishes the batch), and every later one is read from the ring.
  const std::uint64_t head = h.ring_head.load(std::memory_order_acquire);
  out = Batch{};
  out.position = head;
  out.tick = h.tick_count.load(std::memory_order_relaxed);
  out.timestamp_ns = monotonic_ns();
  out.full_snapshot = true;
  out.from_value_table = true;
  for (const Descriptor& d : client_->descriptors()) {
    ReadStatus st;
    if (d.type == ValueType::String) {
      Text text;
      st = client_->read_text(d.id, text);
      if (st == ReadStatus::kOk) out.strings.push_back({d.id, std::string(text.view())});
    } else if (d.type == ValueType::Counter) {
      CounterTotals totals;
      st = client_->read_counter(d.id, totals);
      if (st == ReadStatus::kOk) out.counters.push_back({d.id, totals});
    } else {
      Scalar value;
      st = client_->read(d.id, value);
      if (st == ReadStatus::kOk) out.values.push_back({d.id, value.bits});
    }
    if (st == ReadStatus::kUnavailable || st == ReadStatus::kReadError) {
      out.unavailable.push_back(d.id);
    }
    // A "full" snapshot missing a metric would hide it until it next changes: retry later.
    if (st == ReadStatus::kBusy) return false;
  }
  // Lost = the ring positions this snapshot replaces, counted from the same head it resumes at.
  if (after_lap) {
    out.lost_batches = head > cursor_ ? head - cursor_ : 0;
    ++lapped_count_;
    lost_total_ += out.lost_batches;
  }
  cursor_ = head;
  need_snapshot_ = false;
  lapped_pending_ = false;
  epoch_ = client_->epoch();
  // The client may have re-attached to a broker with larger ring slots.
  scratch_.resize(client_->ring_slot_size() / sizeof(std::uint64_t));
  return true;
}

PollResult RingFollower::poll(Batch& out) {
  const layout::Header& h = client_->live_header();
  if (need_snapshot_ || client_->epoch() != epoch_) {  // first poll, or a re-attached client
    need_snapshot_ = true;
    return snapshot_from_value_table(out, false) ? PollResult::kBatch : PollResult::kBusy;
  }
  const auto resync_after_lap = [&] {
    lapped_pending_ = true;
    return snapshot_from_value_table(out, true) ? PollResult::kBatch : PollResult::kBusy;
  };
  if (lapped_pending_) return resync_after_lap();
  const std::uint64_t head = h.ring_head.load(std::memory_order_acquire);
  if (head == cursor_) return PollResult::kIdle;
  if (head < cursor_) {  // the head went backwards: not our broker's ring any more
    need_snapshot_ = true;
    return snapshot_from_value_table(out, false) ? PollResult::kBatch : PollResult::kBusy;
  }
  if (head - cursor_ > client_->ring_slot_count()) return resync_after_lap();

  const layout::RingSlotHeader& slot = client_->ring_slot(cursor_);
  const auto* payload = reinterpret_cast<const layout::Word*>(&slot + 1);
  const std::uint64_t capacity = client_->ring_slot_size() - sizeof(layout::RingSlotHeader);
  std::uint64_t position = 0;
  std::uint64_t length = 0;
  const bool consistent = seqlock::read(slot.seq, [&] {
    position = seqlock::load(slot.position);
    length = seqlock::load(slot.length);
    // Torn until validated: bound the copy by the slot's capacity.
    const std::uint64_t words = (std::min(length, capacity) + 7) / 8;
    for (std::uint64_t i = 0; i < words; ++i) scratch_[i] = seqlock::load(payload[i]);
  });
  if (!consistent) return PollResult::kBusy;
  if (position > cursor_) return resync_after_lap();  // overwritten while we were behind
  if (position < cursor_ || length > capacity) {
    ++corrupt_count_;
    ++cursor_;
    return PollResult::kCorrupt;
  }

  const auto* bytes = reinterpret_cast<const std::uint8_t*>(scratch_.data());
  flatbuffers::Verifier verifier(bytes, length, /*max_depth=*/8, /*max_tables=*/64);
  if (!schema::VerifyDeltaBatchBuffer(verifier) || !decode(*schema::GetDeltaBatch(bytes), out)) {
    ++corrupt_count_;
    ++cursor_;
    return PollResult::kCorrupt;
  }
  out.position = cursor_;
  out.lost_batches = 0;
  ++cursor_;
  return PollResult::kBatch;
}

}  // namespace sysring
