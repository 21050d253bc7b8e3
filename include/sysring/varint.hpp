// LEB128 varints and the value transforms of the ring's packed deltas (delta_batch.fbs): small
// numbers take few bytes. The decoder takes untrusted bytes: it never reads past `end` and
// refuses encodings longer than a 64-bit value needs.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sysring::varint {

inline constexpr std::size_t kMaxBytes = 10;

constexpr std::size_t size(std::uint64_t v) noexcept {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline void put(std::vector<std::uint8_t>& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

// Reads one varint at `p`, advancing it. False (p unspecified) on truncation or overlong input.
[[nodiscard]] inline bool get(const std::uint8_t*& p, const std::uint8_t* end,
                              std::uint64_t& out) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < kMaxBytes; ++i) {
    if (p == end) return false;
    const std::uint8_t b = *p++;
    if (i == kMaxBytes - 1 && b > 1) return false;  // bits past 64
    v |= std::uint64_t{b & 0x7Fu} << (7 * i);
    if ((b & 0x80) == 0) {
      out = v;
      return true;
    }
  }
  return false;
}

constexpr std::uint64_t zigzag(std::uint64_t bits) noexcept {
  // All ones for a negative two's-complement value, without a signed shift.
  const std::uint64_t sign = std::uint64_t{0} - (bits >> 63);
  return (bits << 1) ^ sign;
}
constexpr std::uint64_t unzigzag(std::uint64_t v) noexcept {
  return (v >> 1) ^ (~(v & 1) + 1);
}
// A double's bit pattern with its bytes reversed: exact small values (0.5, 12, 100) have an
// all-zero low mantissa, which becomes the high end and costs nothing as a varint.
constexpr std::uint64_t reverse_bytes(std::uint64_t bits) noexcept {
  return __builtin_bswap64(bits);
}

}  // namespace sysring::varint
