#include "segment/value_table_writer.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "sysring/latch.hpp"

namespace sysring::broker {
namespace {
constexpr std::size_t kLineWords = layout::kCacheLine / layout::kWordBytes;
}  // namespace

ValueTableWriter::ValueTableWriter(layout::Word& seq, layout::Word* copy0, std::size_t stride_words,
                                   std::size_t words)
    : seq_(&seq),
      copy0_(copy0),
      stride_words_(stride_words),
      shadow_(words, 0),
      dirty_((words + kLineWords * 64 - 1) / (kLineWords * 64), 0) {}

void ValueTableWriter::touch(std::uint64_t first, std::uint64_t count) noexcept {
  for (std::uint64_t line = first / kLineWords; line <= (first + count - 1) / kLineWords; ++line) {
    dirty_[line / 64] |= std::uint64_t{1} << (line % 64);
  }
}

bool ValueTableWriter::put_scalar(std::uint64_t cell, schema::ValueType type,
                                  std::uint64_t bits) noexcept {
  const std::uint64_t meta =
      layout::pack_meta(layout::SlotStatus::kOk, static_cast<std::uint8_t>(type), 8);
  const bool changed = shadow_[cell] != meta || shadow_[cell + 1] != bits;
  if (changed) {
    shadow_[cell] = meta;
    shadow_[cell + 1] = bits;
    touch(cell, 2);
  }
  return changed;
}

bool ValueTableWriter::put_counter(std::uint64_t cell, std::uint64_t count,
                                   std::uint64_t enabled_ns, std::uint64_t running_ns) noexcept {
  const std::uint64_t meta =
      layout::pack_meta(layout::SlotStatus::kOk, layout::kTypeCounter, layout::kCounterBytes);
  const bool changed = shadow_[cell] != meta || shadow_[cell + 1] != count ||
                       shadow_[cell + 2] != enabled_ns || shadow_[cell + 3] != running_ns;
  if (changed) {
    shadow_[cell] = meta;
    shadow_[cell + 1] = count;
    shadow_[cell + 2] = enabled_ns;
    shadow_[cell + 3] = running_ns;
    touch(cell, 4);
  }
  return changed;
}

bool ValueTableWriter::put_text(std::uint64_t cell, std::string_view text) noexcept {
  const std::size_t length = std::min(text.size(), layout::kMaxStringBytes);
  std::uint64_t words[layout::kPayloadWords] = {};
  std::memcpy(words, text.data(), length);
  const std::uint64_t meta = layout::pack_meta(layout::SlotStatus::kOk, layout::kTypeString,
                                               static_cast<std::uint32_t>(length));
  // Unused payload words are kept zero, so equal text means equal words.
  const bool changed =
      shadow_[cell] != meta || std::memcmp(&shadow_[cell + 1], words, sizeof words) != 0;
  if (changed) {
    shadow_[cell] = meta;
    std::memcpy(&shadow_[cell + 1], words, sizeof words);
    touch(cell, 1 + layout::kPayloadWords);
  }
  return changed;
}

bool ValueTableWriter::put_status(std::uint64_t cell, layout::SlotStatus status,
                                  schema::ValueType type) noexcept {
  const std::uint64_t meta = layout::pack_meta(status, static_cast<std::uint8_t>(type), 0);
  if (shadow_[cell] == meta) return false;
  const bool status_changed = layout::meta_status(shadow_[cell]) != status;
  // The payload is zeroed: a reader of a cell without a value never sees a stale one.
  const std::uint32_t payload_words = layout::cell_words(static_cast<std::uint8_t>(type)) - 1;
  shadow_[cell] = meta;
  std::fill_n(&shadow_[cell + 1], payload_words, 0);
  touch(cell, 1 + payload_words);
  return status_changed;
}

void ValueTableWriter::stamp(std::uint64_t column, std::uint64_t read_time_ns) noexcept {
  set(column, read_time_ns);
}

void ValueTableWriter::put_word(std::uint64_t offset, std::uint64_t value) noexcept {
  if (shadow_[offset] != value) set(offset, value);
}

void ValueTableWriter::publish() noexcept {
  const std::size_t n = shadow_.size();
  for (int pass = 0; pass < 2; ++pass) {
    layout::Word* copy = copy0_ + latch::begin_copy_write(*seq_) * stride_words_;
    for (std::size_t i = 0; i < dirty_.size(); ++i) {
      std::uint64_t bits = dirty_[i];
      while (bits != 0) {
        const std::size_t line = i * 64 + static_cast<std::size_t>(std::countr_zero(bits));
        bits &= bits - 1;
        const std::size_t first = line * kLineWords;
        latch::store_words(copy + first, shadow_.data() + first, std::min(kLineWords, n - first));
      }
    }
  }
  std::fill(dirty_.begin(), dirty_.end(), 0);
}

}  // namespace sysring::broker
