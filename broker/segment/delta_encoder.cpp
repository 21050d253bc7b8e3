#include "delta_encoder.hpp"

#include <stdexcept>

#include "delta_batch_generated.h"
#include "sysring/layout.hpp"

namespace sysring::broker {
namespace {

// Conservative FlatBuffer size estimates (bytes), so a planned part always fits its slot.
constexpr std::size_t kBatchOverhead = 160;  // root offset, identifier, vtable, scalars, vector
                                             // lengths and worst-case alignment padding
constexpr std::size_t kScalarCost = 2 + 8;   // one id + one value
constexpr std::size_t kUnavailableCost = 2;
constexpr std::size_t kCounterCost = 2 + 24;  // one id + one CounterTotals struct
constexpr std::size_t text_cost(std::size_t length) {
  return 2 + 4 + 4 + length + 1 + 3;  // id, offset, length prefix, bytes, NUL, padding
}

}  // namespace

DeltaEncoder::DeltaEncoder(std::size_t slot_capacity)
    : capacity_(slot_capacity), builder_(slot_capacity) {
  if (slot_capacity < kBatchOverhead + text_cost(layout::kMaxStringBytes)) {
    throw std::invalid_argument("ring slot too small for one batch");
  }
}

void DeltaEncoder::begin(std::uint64_t tick, std::uint64_t timestamp_ns, bool full_snapshot) {
  tick_ = tick;
  timestamp_ns_ = timestamp_ns;
  full_snapshot_ = full_snapshot;
  scalars_.clear();
  texts_.clear();
  unavailable_.clear();
  counters_.clear();
}

void DeltaEncoder::add_text(std::uint16_t id, std::string_view text) {
  texts_.push_back({id, std::string(text.substr(0, layout::kMaxStringBytes))});
}

void DeltaEncoder::plan_parts() {
  parts_.clear();
  Part cursor{0, 0, 0, 0};
  std::size_t used = kBatchOverhead;
  auto close_part = [&] {
    parts_.push_back(cursor);
    used = kBatchOverhead;
  };
  for (; cursor.scalar_end < scalars_.size(); ++cursor.scalar_end) {
    if (used + kScalarCost > capacity_) close_part();
    used += kScalarCost;
  }
  for (; cursor.text_end < texts_.size(); ++cursor.text_end) {
    const std::size_t cost = text_cost(texts_[cursor.text_end].text.size());
    if (used + cost > capacity_) close_part();
    used += cost;
  }
  for (; cursor.unavailable_end < unavailable_.size(); ++cursor.unavailable_end) {
    if (used + kUnavailableCost > capacity_) close_part();
    used += kUnavailableCost;
  }
  for (; cursor.counter_end < counters_.size(); ++cursor.counter_end) {
    if (used + kCounterCost > capacity_) close_part();
    used += kCounterCost;
  }
  parts_.push_back(cursor);
}

std::span<const std::uint8_t> DeltaEncoder::build(std::size_t part, const Part& from,
                                                  const Part& to) {
  builder_.Clear();
  ids_scratch_.clear();
  values_scratch_.clear();
  for (std::size_t i = from.scalar_end; i < to.scalar_end; ++i) {
    ids_scratch_.push_back(scalars_[i].id);
    values_scratch_.push_back(scalars_[i].bits);
  }
  const auto ids = builder_.CreateVector(
      reinterpret_cast<const schema::MetricId*>(ids_scratch_.data()), ids_scratch_.size());
  const auto values = builder_.CreateVector(values_scratch_);

  strings_scratch_.clear();
  ids_scratch_.clear();
  for (std::size_t i = from.text_end; i < to.text_end; ++i) {
    ids_scratch_.push_back(texts_[i].id);
    strings_scratch_.push_back(builder_.CreateString(texts_[i].text));
  }
  const auto string_ids = builder_.CreateVector(
      reinterpret_cast<const schema::MetricId*>(ids_scratch_.data()), ids_scratch_.size());
  const auto strings = builder_.CreateVector(strings_scratch_);
  const auto unavailable = builder_.CreateVector(
      reinterpret_cast<const schema::MetricId*>(unavailable_.data() + from.unavailable_end),
      to.unavailable_end - from.unavailable_end);

  ids_scratch_.clear();
  counters_scratch_.clear();
  for (std::size_t i = from.counter_end; i < to.counter_end; ++i) {
    ids_scratch_.push_back(counters_[i].id);
    counters_scratch_.emplace_back(counters_[i].count, counters_[i].enabled_ns,
                                   counters_[i].running_ns);
  }
  const auto counter_ids = builder_.CreateVector(
      reinterpret_cast<const schema::MetricId*>(ids_scratch_.data()), ids_scratch_.size());
  const auto counters = builder_.CreateVectorOfStructs(counters_scratch_);

  schema::DeltaBatchBuilder batch(builder_);
  batch.add_tick(tick_);
  batch.add_timestamp_ns(timestamp_ns_);
  batch.add_full_snapshot(full_snapshot_);
  batch.add_part(static_cast<std::uint16_t>(part));
  batch.add_part_count(static_cast<std::uint16_t>(parts_.size()));
  batch.add_ids(ids);
  batch.add_values(values);
  batch.add_string_ids(string_ids);
  batch.add_strings(strings);
  batch.add_unavailable_ids(unavailable);
  batch.add_counter_ids(counter_ids);
  batch.add_counters(counters);
  schema::FinishDeltaBatchBuffer(builder_, batch.Finish());
  if (builder_.GetSize() > capacity_) {
    throw std::logic_error("delta batch estimate too small: " + std::to_string(builder_.GetSize()) +
                           " bytes for a " + std::to_string(capacity_) + " byte slot");
  }
  return {builder_.GetBufferPointer(), builder_.GetSize()};
}

std::size_t DeltaEncoder::finish(const Emit& emit) {
  plan_parts();
  Part from{0, 0, 0, 0};
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    const Part& to = parts_[i];
    const std::uint64_t deltas = (to.scalar_end - from.scalar_end) + (to.text_end - from.text_end) +
                                 (to.unavailable_end - from.unavailable_end) +
                                 (to.counter_end - from.counter_end);
    emit(build(i, from, to), deltas);
    from = to;
  }
  return parts_.size();
}

}  // namespace sysring::broker
