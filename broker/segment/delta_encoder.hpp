// Collects one tick's changes and encodes them as DeltaBatch FlatBuffers that each fit one ring
// slot. A tick with more changes than a slot holds is split into parts (part i of part_count),
// so it is delivered whole, never truncated. Instance events lead the first part, so a follower
// learns of an instance before it sees its values.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "delta_batch_generated.h"
#include "instances/instance_table.hpp"

namespace sysring::broker {

class DeltaEncoder {
 public:
  // Emitted once per part: the FlatBuffer bytes (valid during the call) and its delta count.
  using Emit = std::function<void(std::span<const std::uint8_t> batch, std::uint64_t deltas)>;

  explicit DeltaEncoder(std::size_t slot_capacity);

  void begin(std::uint64_t tick, std::uint64_t timestamp_ns, bool full_snapshot);
  // A numeric cell (U64, I64, F64): `cell` is the offset of its meta word (layout.hpp).
  void add_value(std::uint64_t cell, schema::ValueType type, std::uint64_t bits) {
    values_.push_back({static_cast<std::uint32_t>(cell), encode(type, bits)});
  }
  void add_counter(std::uint64_t cell, std::uint64_t count, std::uint64_t enabled_ns,
                   std::uint64_t running_ns) {
    counters_.push_back({static_cast<std::uint32_t>(cell), count, enabled_ns, running_ns});
  }
  void add_text(std::uint64_t cell, std::string_view text);
  void add_unavailable(std::uint64_t cell) {
    unavailable_.push_back(static_cast<std::uint32_t>(cell));
  }
  void add_event(const InstanceEvent& event) { events_.push_back(&event); }

  [[nodiscard]] bool empty() const noexcept { return change_count() == 0; }
  [[nodiscard]] std::size_t change_count() const noexcept {
    return values_.size() + texts_.size() + unavailable_.size() + counters_.size() + events_.size();
  }

  // Encodes what was added since begin() and returns the number of parts emitted. Events passed
  // to add_event must stay alive until then.
  std::size_t finish(const Emit& emit);

  // The value transform of the packed encoding (delta_batch.fbs): U64 as is, I64 zigzag, F64
  // byte-reversed.
  static std::uint64_t encode(schema::ValueType type, std::uint64_t bits) noexcept;

 private:
  struct ValueDelta {
    std::uint32_t cell;
    std::uint64_t encoded;
  };
  struct CounterDelta {
    std::uint32_t cell;
    std::uint64_t count, enabled_ns, running_ns;
  };
  struct TextDelta {
    std::uint32_t cell;
    std::string text;
  };
  // Half-open index ranges into the five lists, one per part.
  struct Part {
    std::size_t event_end, value_end, counter_end, text_end, unavailable_end;
  };

  void plan_parts();
  std::span<const std::uint8_t> build(std::size_t part, const Part& from, const Part& to);

  std::size_t capacity_;
  std::uint64_t tick_ = 0;
  std::uint64_t timestamp_ns_ = 0;
  bool full_snapshot_ = false;
  std::vector<const InstanceEvent*> events_;
  std::vector<ValueDelta> values_;
  std::vector<CounterDelta> counters_;
  std::vector<TextDelta> texts_;
  std::vector<std::uint32_t> unavailable_;
  std::vector<Part> parts_;
  flatbuffers::FlatBufferBuilder builder_;
  std::vector<std::uint8_t> packed_;
  std::vector<std::uint32_t> cells_scratch_;
  std::vector<flatbuffers::Offset<flatbuffers::String>> strings_scratch_;
  std::vector<flatbuffers::Offset<schema::InstanceEvent>> events_scratch_;
  std::vector<flatbuffers::Offset<schema::Label>> labels_scratch_;
};

}  // namespace sysring::broker
