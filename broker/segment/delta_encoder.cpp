#include "segment/delta_encoder.hpp"

#include <algorithm>
#include <stdexcept>

#include "sysring/layout.hpp"
#include "sysring/varint.hpp"

namespace sysring::broker {
namespace {

// Conservative FlatBuffer size estimates (bytes), so a planned part always fits its slot.
constexpr std::size_t kBatchOverhead = 192;  // root offset, identifier, vtable, scalars, vector
                                             // lengths and worst-case alignment padding
constexpr std::size_t kUnavailableCost = 4;
constexpr std::size_t text_cost(std::size_t length) {
  return 4 + 4 + 4 + length + 1 + 3;  // cell, offset, length prefix, bytes, NUL, padding
}
std::size_t event_cost(const InstanceEvent& e) {
  std::size_t bytes = 96 + e.name.size() + 8;
  for (const Label& l : e.labels) bytes += 32 + l.key.size() + 8 + l.value.size() + 8;
  return bytes;
}

// An empty list is left out of the batch (readers take an absent vector as empty): five empty
// vectors would cost 40 bytes in every steady-state batch.
template <class T>
flatbuffers::Offset<flatbuffers::Vector<T>> vector_unless_empty(flatbuffers::FlatBufferBuilder& b,
                                                                std::span<const T> items) {
  if (items.empty()) return {};
  return b.CreateVector(items.data(), items.size());
}

std::size_t value_cost(std::uint32_t gap, std::uint64_t encoded) {
  return varint::size(gap) + varint::size(encoded);
}
// A counter's enabled time goes as its difference from the previous counter's in the part: the
// members of one perf group share their times, and neighbouring cells of a family are CPUs read
// microseconds apart, so the difference takes a byte or two where the time takes six.
std::size_t counter_cost(std::uint32_t gap, std::uint64_t count, std::uint64_t enabled,
                         std::uint64_t previous_enabled, std::uint64_t running) {
  return varint::size(gap) + varint::size(count) +
         varint::size(varint::zigzag(enabled - previous_enabled)) +
         varint::size(varint::zigzag(enabled - running));
}

}  // namespace

DeltaEncoder::DeltaEncoder(std::size_t slot_capacity)
    : capacity_(slot_capacity), builder_(slot_capacity) {
  // The largest single item must fit an otherwise empty part: a string, or an event with a
  // name and labels at the InstanceTable's limits is refused there long before this.
  if (slot_capacity < kBatchOverhead + text_cost(layout::kMaxStringBytes) + 512) {
    throw std::invalid_argument("ring slot too small for one batch");
  }
}

std::uint64_t DeltaEncoder::encode(schema::ValueType type, std::uint64_t bits) noexcept {
  switch (type) {
    case schema::ValueType::I64:
      return varint::zigzag(bits);
    case schema::ValueType::F64:
      return varint::reverse_bytes(bits);
    default:
      return bits;
  }
}

void DeltaEncoder::begin(std::uint64_t tick, std::uint64_t timestamp_ns, bool full_snapshot) {
  tick_ = tick;
  timestamp_ns_ = timestamp_ns;
  full_snapshot_ = full_snapshot;
  events_.clear();
  values_.clear();
  counters_.clear();
  texts_.clear();
  unavailable_.clear();
}

void DeltaEncoder::add_text(std::uint64_t cell, std::string_view text) {
  texts_.push_back(
      {static_cast<std::uint32_t>(cell), std::string(text.substr(0, layout::kMaxStringBytes))});
}

// Walks the lists in batch order (events, values, counters, strings, unavailable), closing a
// part whenever the next item would not fit. Packed cells restart their gaps at each part.
void DeltaEncoder::plan_parts() {
  parts_.clear();
  Part cursor{0, 0, 0, 0, 0};
  std::size_t used = kBatchOverhead;
  std::uint32_t last_cell = 0;
  auto fit = [&](std::size_t cost) {
    if (used + cost > capacity_) {
      parts_.push_back(cursor);
      used = kBatchOverhead;
      return false;
    }
    return true;
  };
  for (; cursor.event_end < events_.size(); ++cursor.event_end) {
    const std::size_t cost = event_cost(*events_[cursor.event_end]);
    fit(cost);
    used += cost;
  }
  last_cell = 0;
  for (; cursor.value_end < values_.size(); ++cursor.value_end) {
    const ValueDelta& v = values_[cursor.value_end];
    if (!fit(value_cost(v.cell - last_cell, v.encoded))) last_cell = 0;
    used += value_cost(v.cell - last_cell, v.encoded);
    last_cell = v.cell;
  }
  last_cell = 0;
  std::uint64_t last_enabled = 0;
  for (; cursor.counter_end < counters_.size(); ++cursor.counter_end) {
    const CounterDelta& c = counters_[cursor.counter_end];
    if (!fit(counter_cost(c.cell - last_cell, c.count, c.enabled_ns, last_enabled, c.running_ns))) {
      last_cell = 0;
      last_enabled = 0;
    }
    used += counter_cost(c.cell - last_cell, c.count, c.enabled_ns, last_enabled, c.running_ns);
    last_cell = c.cell;
    last_enabled = c.enabled_ns;
  }
  for (; cursor.text_end < texts_.size(); ++cursor.text_end) {
    const std::size_t cost = text_cost(texts_[cursor.text_end].text.size());
    fit(cost);
    used += cost;
  }
  for (; cursor.unavailable_end < unavailable_.size(); ++cursor.unavailable_end) {
    fit(kUnavailableCost);
    used += kUnavailableCost;
  }
  parts_.push_back(cursor);
}

std::span<const std::uint8_t> DeltaEncoder::build(std::size_t part, const Part& from,
                                                  const Part& to) {
  builder_.Clear();
  events_scratch_.clear();
  for (std::size_t i = from.event_end; i < to.event_end; ++i) {
    const InstanceEvent& e = *events_[i];
    labels_scratch_.clear();
    for (const Label& l : e.labels) {
      labels_scratch_.push_back(schema::CreateLabel(builder_, builder_.CreateString(l.key),
                                                    builder_.CreateString(l.value)));
    }
    const auto labels =
        labels_scratch_.empty()
            ? flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<schema::Label>>>()
            : builder_.CreateVector(labels_scratch_);
    const auto name = builder_.CreateString(e.name);
    events_scratch_.push_back(schema::CreateInstanceEvent(
        builder_,
        e.kind == InstanceEventKind::kAdded ? schema::InstanceEventKind::Added
                                            : schema::InstanceEventKind::Removed,
        e.domain, e.row, e.instance_id, e.registration, name, labels, e.time_ns));
  }
  const auto events = vector_unless_empty(
      builder_, std::span<const flatbuffers::Offset<schema::InstanceEvent>>(events_scratch_));

  packed_.clear();
  std::uint32_t last = 0;
  for (std::size_t i = from.value_end; i < to.value_end; ++i) {
    varint::put(packed_, values_[i].cell - last);
    varint::put(packed_, values_[i].encoded);
    last = values_[i].cell;
  }
  const auto values = vector_unless_empty(builder_, std::span<const std::uint8_t>(packed_));
  packed_.clear();
  last = 0;
  std::uint64_t last_enabled = 0;
  for (std::size_t i = from.counter_end; i < to.counter_end; ++i) {
    const CounterDelta& c = counters_[i];
    varint::put(packed_, c.cell - last);
    varint::put(packed_, c.count);
    varint::put(packed_, varint::zigzag(c.enabled_ns - last_enabled));
    varint::put(packed_, varint::zigzag(c.enabled_ns - c.running_ns));
    last = c.cell;
    last_enabled = c.enabled_ns;
  }
  const auto counters = vector_unless_empty(builder_, std::span<const std::uint8_t>(packed_));

  cells_scratch_.clear();
  strings_scratch_.clear();
  for (std::size_t i = from.text_end; i < to.text_end; ++i) {
    cells_scratch_.push_back(texts_[i].cell);
    strings_scratch_.push_back(builder_.CreateString(texts_[i].text));
  }
  const auto string_cells =
      vector_unless_empty(builder_, std::span<const std::uint32_t>(cells_scratch_));
  const auto strings = vector_unless_empty(
      builder_, std::span<const flatbuffers::Offset<flatbuffers::String>>(strings_scratch_));
  const auto unavailable = vector_unless_empty(
      builder_, std::span<const std::uint32_t>(unavailable_)
                    .subspan(from.unavailable_end, to.unavailable_end - from.unavailable_end));

  schema::DeltaBatchBuilder batch(builder_);
  batch.add_tick(tick_);
  batch.add_timestamp_ns(timestamp_ns_);
  batch.add_full_snapshot(full_snapshot_);
  batch.add_part(static_cast<std::uint16_t>(part));
  batch.add_part_count(static_cast<std::uint16_t>(parts_.size()));
  batch.add_events(events);
  batch.add_values(values);
  batch.add_value_count(static_cast<std::uint32_t>(to.value_end - from.value_end));
  batch.add_counters(counters);
  batch.add_counter_count(static_cast<std::uint32_t>(to.counter_end - from.counter_end));
  batch.add_string_cells(string_cells);
  batch.add_strings(strings);
  batch.add_unavailable_cells(unavailable);
  schema::FinishDeltaBatchBuffer(builder_, batch.Finish());
  if (builder_.GetSize() > capacity_) {
    throw std::logic_error("delta batch estimate too small: " + std::to_string(builder_.GetSize()) +
                           " bytes for a " + std::to_string(capacity_) + " byte slot");
  }
  return {builder_.GetBufferPointer(), builder_.GetSize()};
}

std::size_t DeltaEncoder::finish(const Emit& emit) {
  // Gaps need ascending cells; sources report in their own order.
  std::sort(values_.begin(), values_.end(),
            [](const ValueDelta& a, const ValueDelta& b) { return a.cell < b.cell; });
  std::sort(counters_.begin(), counters_.end(),
            [](const CounterDelta& a, const CounterDelta& b) { return a.cell < b.cell; });
  plan_parts();
  Part from{0, 0, 0, 0, 0};
  for (std::size_t i = 0; i < parts_.size(); ++i) {
    const Part& to = parts_[i];
    const std::uint64_t deltas = (to.event_end - from.event_end) + (to.value_end - from.value_end) +
                                 (to.counter_end - from.counter_end) +
                                 (to.text_end - from.text_end) +
                                 (to.unavailable_end - from.unavailable_end);
    emit(build(i, from, to), deltas);
    from = to;
  }
  return parts_.size();
}

}  // namespace sysring::broker
