// Bounds-checked little-endian reads from kernel replies. Every Apple silicon Mac is
// little-endian; fields are read byte by byte, so neither alignment nor aliasing matters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string_view>

namespace sysring::broker::darwin {

using Bytes = std::span<const std::uint8_t>;

// True when [offset, offset + width) lies inside `bytes` (overflow-safe).
constexpr bool fits(Bytes bytes, std::size_t offset, std::size_t width) {
  return offset <= bytes.size() && width <= bytes.size() - offset;
}

// The `width` (1..8) bytes at `offset` as an unsigned value; nullopt when they are not all there.
inline std::optional<std::uint64_t> read_le(Bytes bytes, std::size_t offset, std::size_t width) {
  if (width == 0 || width > 8 || !fits(bytes, offset, width)) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) v |= std::uint64_t{bytes[offset + i]} << (8 * i);
  return v;
}

// A fixed-size char array of a kernel struct: its text up to the first NUL, or the whole
// array when it has none. Empty when the array is not wholly inside `bytes`.
inline std::string_view read_chars(Bytes bytes, std::size_t offset, std::size_t size) {
  if (!fits(bytes, offset, size)) return {};
  const auto* text = reinterpret_cast<const char*>(bytes.data() + offset);
  const void* nul = std::memchr(text, '\0', size);
  const std::size_t n =
      nul == nullptr ? size : static_cast<std::size_t>(static_cast<const char*>(nul) - text);
  return {text, n};
}

}  // namespace sysring::broker::darwin
