// Darwin sysctl replies as bytes -> published values. Portable (no Apple headers), so every
// conversion is unit-tested on Linux with byte fixtures; darwin_sources.cpp only moves bytes.
//
// Layouts are those of a 64-bit arm64 process, taken from XNU (bsd/sys/sysctl.h, _types.h,
// kern_newsysctl.c; see docs/REGISTRY.md "Darwin sources"). Multi-byte fields are little-endian,
// as on every Apple silicon Mac.
// Every decoder reads only the `length` bytes the kernel said it returned: a reply shorter than
// what is needed is kTruncated, never a read past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "descriptors_generated.h"

namespace sysring::broker::darwin {

using Bytes = std::span<const std::uint8_t>;

// CTLTYPE, the low nibble of a node's kind word.
enum class CtlType : std::uint8_t {
  kNode = 1,
  kInt = 2,  // also SYSCTL_LONG, whose format "L" says 8 bytes on LP64
  kString = 3,
  kQuad = 4,
  kOpaque = 5,  // structs ("S,name") and arrays ("Q" on hw.cacheconfig)
};

// What {0,4, mib...} (sysctl.oidfmt) says about a node: a u32 kind/flags word, then a
// NUL-terminated format string ("I", "IU", "L", "Q", "A", "S,timeval", ...).
struct NodeFormat {
  std::uint32_t kind = 0;
  std::string_view format;  // points into the reply bytes
  [[nodiscard]] std::uint32_t ctl_type() const { return kind & 0xFu; }
};

enum class DecodeStatus : std::uint8_t {
  kOk,
  kTruncated,   // fewer bytes than the value needs (or an unterminated format reply)
  kBadLength,   // a length no decoder of this kind accepts (e.g. 2 or 16 bytes for an integer)
  kOutOfRange,  // the value does not fit the registry type (negative for u64, > INT64_MAX ...)
  kMalformed,   // bytes that cannot mean a value (fscale 0, empty format string)
};

struct Decoded {
  DecodeStatus status = DecodeStatus::kMalformed;
  std::uint64_t bits = 0;  // U64 / I64 (two's complement) / F64 (bit pattern)
  std::string_view text;   // String: points into the reply bytes
};

[[nodiscard]] std::string_view to_string(DecodeStatus status);

// Parses a {0,4} reply. kTruncated if it has no complete kind word or no NUL after the format.
[[nodiscard]] DecodeStatus decode_node_format(Bytes reply, NodeFormat& out);

// The shape a node's format promises, for checking it against the registry at start.
enum class Shape : std::uint8_t { kInteger, kString, kStruct, kU64Array, kOther };
[[nodiscard]] Shape shape_of(const NodeFormat& f);
// "timeval" for "S,timeval"; empty unless the shape is kStruct.
[[nodiscard]] std::string_view struct_name_of(const NodeFormat& f);

// A scalar integer: 4 or 8 bytes, widened to the registry type. U64 zero-extends a 4-byte
// reply, I64 sign-extends it: the kernel answers a 4-byte buffer with 4 bytes even for a quad,
// and hw.cpufamily is an "I" node whose values need the top bit (read as u32).
[[nodiscard]] Decoded decode_integer(Bytes reply, schema::ValueType type);

// A string node: the bytes up to the first NUL or the returned length, whichever comes first
// (the kernel's reply includes the NUL; a zeroed buffer makes a missing one harmless), then cut
// to `capacity` bytes.
[[nodiscard]] Decoded decode_string(Bytes reply, std::size_t capacity);

// One element of an array of u64 (hw.cacheconfig, hw.cachesize): element `index` must lie
// wholly inside the reply.
[[nodiscard]] Decoded decode_u64_element(Bytes reply, std::size_t index);

// A field of one of the structs the registry decomposes, at its arm64 offset.
enum class FieldKind : std::uint8_t {
  kSigned,    // int32 / int64, published as I64 (or U64 when not negative)
  kUnsigned,  // uint32 / uint64
  kLoadAvg,   // loadavg.ldavg[i] (fixpt_t, u32) / fscale (long at 16): published as F64
};
struct StructField {
  std::string_view struct_name;  // as in the format string: "timeval", "loadavg", ...
  std::string_view field;        // as in the registry source: "sec", "avg1", "total", ...
  std::size_t offset;
  std::size_t width;  // 4 or 8
  FieldKind kind;
};
// nullptr when `struct_name` has no such field.
[[nodiscard]] const StructField* find_struct_field(std::string_view struct_name,
                                                   std::string_view field);
// The struct's size on arm64 (timeval 16, loadavg 24, xsw_usage 32, clockinfo 20); 0 if unknown.
[[nodiscard]] std::size_t struct_size(std::string_view struct_name);
// The registry types a field can be published as: F64 for loads, U64 or I64 for the rest.
[[nodiscard]] bool field_fits_type(const StructField& f, schema::ValueType type);

[[nodiscard]] Decoded decode_struct_field(Bytes reply, const StructField& f,
                                          schema::ValueType type);

}  // namespace sysring::broker::darwin
