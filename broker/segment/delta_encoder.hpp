// Collects one tick's changes and encodes them as DeltaBatch FlatBuffers that each fit one ring
// slot. A tick with more changes than a slot holds is split into parts (part i of part_count),
// so it is delivered whole, never truncated.
#pragma once

#include <flatbuffers/flatbuffers.h>

#include "delta_batch_generated.h"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sysring::broker {

class DeltaEncoder {
 public:
  // Emitted once per part: the FlatBuffer bytes (valid during the call) and its delta count.
  using Emit = std::function<void(std::span<const std::uint8_t> batch, std::uint64_t deltas)>;

  explicit DeltaEncoder(std::size_t slot_capacity);

  void begin(std::uint64_t tick, std::uint64_t timestamp_ns, bool full_snapshot);
  void add_scalar(std::uint16_t id, std::uint64_t bits) { scalars_.push_back({id, bits}); }
  void add_text(std::uint16_t id, std::string_view text);
  void add_counter(std::uint16_t id, std::uint64_t count, std::uint64_t enabled_ns,
                   std::uint64_t running_ns) {
    counters_.push_back({id, count, enabled_ns, running_ns});
  }
  void add_unavailable(std::uint16_t id) { unavailable_.push_back(id); }
  [[nodiscard]] bool empty() const noexcept {
    return scalars_.empty() && texts_.empty() && unavailable_.empty() && counters_.empty();
  }
  [[nodiscard]] std::size_t change_count() const noexcept {
    return scalars_.size() + texts_.size() + unavailable_.size() + counters_.size();
  }

  // Encodes what was added since begin() and returns the number of parts emitted.
  std::size_t finish(const Emit& emit);

 private:
  struct ScalarDelta {
    std::uint16_t id;
    std::uint64_t bits;
  };
  struct CounterDelta {
    std::uint16_t id;
    std::uint64_t count, enabled_ns, running_ns;
  };
  struct TextDelta {
    std::uint16_t id;
    std::string text;
  };
  // Half-open index ranges into the four lists, one per part.
  struct Part {
    std::size_t scalar_end, text_end, unavailable_end, counter_end;
  };

  void plan_parts();
  std::span<const std::uint8_t> build(std::size_t part, const Part& from, const Part& to);

  std::size_t capacity_;
  std::uint64_t tick_ = 0;
  std::uint64_t timestamp_ns_ = 0;
  bool full_snapshot_ = false;
  std::vector<ScalarDelta> scalars_;
  std::vector<TextDelta> texts_;
  std::vector<std::uint16_t> unavailable_;
  std::vector<CounterDelta> counters_;
  std::vector<Part> parts_;
  flatbuffers::FlatBufferBuilder builder_;
  std::vector<std::uint16_t> ids_scratch_;
  std::vector<std::uint64_t> values_scratch_;
  std::vector<schema::CounterTotals> counters_scratch_;
  std::vector<flatbuffers::Offset<flatbuffers::String>> strings_scratch_;
};

}  // namespace sysring::broker
