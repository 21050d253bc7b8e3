// The broker's side of the value table: a private shadow that the tick writes, published into
// the segment's two copies under the latch (latch.hpp) once per tick.
//
// Writing the shadow is plain memory; only publish() touches shared memory, and only the cache
// lines written since the last publish. The shadow is also the last published state, so every
// put_* reports whether it changed what readers see: that is the tick's change detection.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "sysring/layout.hpp"
#include "types_generated.h"

namespace sysring::broker {

class ValueTableWriter {
 public:
  // `copy0`: the first of the two copies in the segment, `stride_words` apart, `words` long.
  ValueTableWriter(layout::Word& seq, layout::Word* copy0, std::size_t stride_words,
                   std::size_t words);

  // Each writes one cell (the offset of its meta word) with status OK and returns true when the
  // status or the value differs from what was published before.
  bool put_scalar(std::uint64_t cell, schema::ValueType type, std::uint64_t bits) noexcept;
  bool put_counter(std::uint64_t cell, std::uint64_t count, std::uint64_t enabled_ns,
                   std::uint64_t running_ns) noexcept;
  // Strings longer than layout::kMaxStringBytes are cut there (documented limit).
  bool put_text(std::uint64_t cell, std::string_view text) noexcept;
  // No value: unavailable, read error or empty. True when the status changed.
  bool put_status(std::uint64_t cell, layout::SlotStatus status, schema::ValueType type) noexcept;
  // The read time of a column (its first word).
  void stamp(std::uint64_t column, std::uint64_t read_time_ns) noexcept;
  // Any other word (registration words).
  void put_word(std::uint64_t offset, std::uint64_t value) noexcept;

  [[nodiscard]] std::uint64_t word(std::uint64_t offset) const noexcept { return shadow_[offset]; }
  [[nodiscard]] layout::SlotStatus status(std::uint64_t cell) const noexcept {
    return layout::meta_status(shadow_[cell]);
  }
  [[nodiscard]] std::size_t words() const noexcept { return shadow_.size(); }

  // Copies what changed since the last publish into both copies, each under the latch.
  void publish() noexcept;

 private:
  void touch(std::uint64_t first, std::uint64_t count) noexcept;
  void set(std::uint64_t offset, std::uint64_t value) noexcept {
    shadow_[offset] = value;
    touch(offset, 1);
  }

  layout::Word* seq_;
  layout::Word* copy0_;
  std::size_t stride_words_;
  std::vector<std::uint64_t> shadow_;
  std::vector<std::uint64_t> dirty_;  // one bit per cache line of the shadow
};

}  // namespace sysring::broker
