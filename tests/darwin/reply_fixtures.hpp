// Byte fixtures: sysctl replies as a 64-bit arm64 process receives them (little-endian, XNU's
// user64 layouts). Values are those of a typical M-series Mac; padding bytes hold 0xEE where the
// decoder must not look, to prove it never reads them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sysring::darwin_fixtures {

using ByteVec = std::vector<std::uint8_t>;

inline void put(ByteVec& b, std::size_t at, std::uint64_t v, std::size_t width) {
  if (b.size() < at + width) b.resize(at + width, 0);
  for (std::size_t i = 0; i < width; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// {0,4} reply: u32 kind/flags, then the format string and its NUL.
inline ByteVec format_reply(std::uint32_t kind, std::string_view format) {
  ByteVec b;
  put(b, 0, kind, 4);
  b.insert(b.end(), format.begin(), format.end());
  b.push_back(0);
  return b;
}

// CTLFLAG_RD | CTLFLAG_KERN (| CTLFLAG_WR) with the CTLTYPE in the low nibble.
inline constexpr std::uint32_t kRd = 0x80000000u | 0x01000000u;
inline constexpr std::uint32_t kRw = kRd | 0x40000000u;
inline constexpr std::uint32_t kInt = 2, kString = 3, kQuad = 4, kOpaque = 5;

// hw.pagesize: 16384 through the named OID (8 bytes) and the legacy {6,7} OID (4 bytes).
inline const ByteVec kPagesize8 = {0x00, 0x40, 0, 0, 0, 0, 0, 0};
inline const ByteVec kPagesize4 = {0x00, 0x40, 0, 0};

// hw.cpufamily of an M1 (CPUFAMILY_ARM_FIRESTORM_ICESTORM): top bit clear; an M2's is set.
inline const ByteVec kCpufamilyM2 = {0x3d, 0xd8, 0x33, 0xda};  // 0xda33d83d

// kern.boottime: tv_sec 1700000000, tv_usec 250000, 4 padding bytes.
inline ByteVec boottime() {
  ByteVec b(16, 0xEE);
  put(b, 0, 1700000000, 8);
  put(b, 8, 250000, 4);
  return b;
}

// vm.loadavg: ldavg {1.5, 0.75, 3.0} * FSCALE 2048, padding, fscale 2048.
inline ByteVec loadavg() {
  ByteVec b(24, 0xEE);
  put(b, 0, 3072, 4);
  put(b, 4, 1536, 4);
  put(b, 8, 6144, 4);
  put(b, 16, 2048, 8);
  return b;
}

// vm.swapusage: 2 GiB total, 1.5 GiB free, 0.5 GiB used, 16 KiB pages, encrypted.
inline ByteVec swapusage() {
  ByteVec b(32, 0);
  put(b, 0, 2ULL << 30, 8);
  put(b, 8, 3ULL << 29, 8);
  put(b, 16, 1ULL << 29, 8);
  put(b, 24, 16384, 4);
  put(b, 28, 1, 4);
  return b;
}

// kern.clockrate: hz 100, tick 10000, tickadj 0, stathz 100, profhz 100 (in XNU's order; the
// values differ here so a swapped field shows).
inline ByteVec clockrate() {
  ByteVec b(20, 0);
  put(b, 0, 100, 4);
  put(b, 4, 10000, 4);
  put(b, 8, 0, 4);
  put(b, 12, 128, 4);
  put(b, 16, 1000, 4);
  return b;
}

// hw.cachesize: memsize, L1d 64 KiB, L2 4 MiB, then zeros up to 10 elements.
inline ByteVec cachesize() {
  ByteVec b(80, 0);
  put(b, 0, 16ULL << 30, 8);
  put(b, 8, 65536, 8);
  put(b, 16, 4ULL << 20, 8);
  return b;
}

}  // namespace sysring::darwin_fixtures
