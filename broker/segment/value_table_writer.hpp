// Broker-side writes of value-table slots, each one seqlock write section (see seqlock.hpp).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "sysring/layout.hpp"
#include "sysring/seqlock.hpp"
#include "types_generated.h"

namespace sysring::broker {

inline void write_scalar(layout::ValueSlot& slot, schema::ValueType type, std::uint64_t bits,
                         std::uint64_t read_time_ns) noexcept {
  const std::uint64_t s = seqlock::write_begin(slot.seq);
  seqlock::store(slot.read_time_ns, read_time_ns);
  seqlock::store(slot.meta,
                 layout::pack_meta(layout::SlotStatus::kOk, static_cast<std::uint8_t>(type), 8));
  seqlock::store(slot.payload[0], bits);
  seqlock::write_end(slot.seq, s);
}

// A counter: running total plus time enabled and running, published together (three words).
inline void write_counter(layout::ValueSlot& slot, std::uint64_t count,
                          std::uint64_t time_enabled_ns, std::uint64_t time_running_ns,
                          std::uint64_t read_time_ns) noexcept {
  const std::uint64_t s = seqlock::write_begin(slot.seq);
  seqlock::store(slot.read_time_ns, read_time_ns);
  seqlock::store(slot.meta, layout::pack_meta(layout::SlotStatus::kOk,
                                              static_cast<std::uint8_t>(schema::ValueType::Counter),
                                              layout::kCounterBytes));
  seqlock::store(slot.payload[0], count);
  seqlock::store(slot.payload[1], time_enabled_ns);
  seqlock::store(slot.payload[2], time_running_ns);
  seqlock::write_end(slot.seq, s);
}

// Strings longer than the slot are cut at kMaxStringBytes (documented; kernel strings we
// publish are far shorter: hostnames are at most 64 bytes).
inline void write_text(layout::ValueSlot& slot, std::string_view text,
                       std::uint64_t read_time_ns) noexcept {
  const std::size_t length = std::min(text.size(), layout::kMaxStringBytes);
  std::uint64_t words[layout::kPayloadWords] = {};
  std::memcpy(words, text.data(), length);
  const std::size_t used = (length + 7) / 8;
  const std::uint64_t s = seqlock::write_begin(slot.seq);
  seqlock::store(slot.read_time_ns, read_time_ns);
  seqlock::store(slot.meta, layout::pack_meta(layout::SlotStatus::kOk,
                                              static_cast<std::uint8_t>(schema::ValueType::String),
                                              static_cast<std::uint32_t>(length)));
  for (std::size_t i = 0; i < used; ++i) seqlock::store(slot.payload[i], words[i]);
  seqlock::write_end(slot.seq, s);
}

// Unavailable / read error / empty: no value, only a status and when it was decided.
inline void write_status(layout::ValueSlot& slot, layout::SlotStatus status, schema::ValueType type,
                         std::uint64_t time_ns) noexcept {
  const std::uint64_t s = seqlock::write_begin(slot.seq);
  seqlock::store(slot.read_time_ns, time_ns);
  seqlock::store(slot.meta, layout::pack_meta(status, static_cast<std::uint8_t>(type), 0));
  seqlock::store(slot.payload[0], 0);
  seqlock::write_end(slot.seq, s);
}

}  // namespace sysring::broker
