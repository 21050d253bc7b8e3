#include "sysctl_decode.hpp"

#include <array>
#include <bit>
#include <cstring>
#include <limits>

namespace sysring::broker::darwin {
namespace {

// Little-endian loads that never look past `reply` (callers check the size first).
std::uint64_t load_le(Bytes reply, std::size_t offset, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    v |= std::uint64_t{reply[offset + i]} << (8 * i);
  }
  return v;
}

std::int64_t sign_extend(std::uint64_t v, std::size_t width) {
  if (width == 4) return static_cast<std::int32_t>(static_cast<std::uint32_t>(v));
  return static_cast<std::int64_t>(v);
}

Decoded ok(std::uint64_t bits) {
  return {DecodeStatus::kOk, bits, {}};
}

Decoded fail(DecodeStatus s) {
  return {s, 0, {}};
}

// A signed kernel value as the registry type: U64 refuses negatives.
Decoded from_signed(std::int64_t v, schema::ValueType type) {
  if (type == schema::ValueType::U64 && v < 0) return fail(DecodeStatus::kOutOfRange);
  return ok(static_cast<std::uint64_t>(v));
}

// An unsigned kernel value as the registry type: I64 refuses what it cannot hold.
Decoded from_unsigned(std::uint64_t v, schema::ValueType type) {
  if (type == schema::ValueType::I64 &&
      v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return fail(DecodeStatus::kOutOfRange);
  }
  return ok(v);
}

// Offsets from XNU's user64 layouts (darwin-facts.md 5.3); the padding bytes are never read.
constexpr std::array<StructField, 16> kFields = {{
    {"timeval", "sec", 0, 8, FieldKind::kSigned},      // time_t tv_sec
    {"timeval", "usec", 8, 4, FieldKind::kSigned},     // suseconds_t (int32); 12..15 padding
    {"loadavg", "avg1", 0, 4, FieldKind::kLoadAvg},    // fixpt_t ldavg[0]
    {"loadavg", "avg5", 4, 4, FieldKind::kLoadAvg},    // ldavg[1]
    {"loadavg", "avg15", 8, 4, FieldKind::kLoadAvg},   // ldavg[2]; 12..15 padding
    {"loadavg", "fscale", 16, 8, FieldKind::kSigned},  // long fscale
    {"xsw_usage", "total", 0, 8, FieldKind::kUnsigned},
    {"xsw_usage", "avail", 8, 8, FieldKind::kUnsigned},
    {"xsw_usage", "used", 16, 8, FieldKind::kUnsigned},
    {"xsw_usage", "pagesize", 24, 4, FieldKind::kUnsigned},
    {"xsw_usage", "encrypted", 28, 4, FieldKind::kSigned},  // boolean_t is int on arm64
    {"clockinfo", "hz", 0, 4, FieldKind::kSigned},
    {"clockinfo", "tick", 4, 4, FieldKind::kSigned},
    {"clockinfo", "tickadj", 8, 4, FieldKind::kSigned},
    {"clockinfo", "stathz", 12, 4, FieldKind::kSigned},  // stathz before profhz (XNU order)
    {"clockinfo", "profhz", 16, 4, FieldKind::kSigned},
}};

constexpr std::size_t kLoadAvgFscaleOffset = 16;

}  // namespace

std::string_view to_string(DecodeStatus status) {
  switch (status) {
    case DecodeStatus::kOk:
      return "ok";
    case DecodeStatus::kTruncated:
      return "reply truncated";
    case DecodeStatus::kBadLength:
      return "unexpected reply length";
    case DecodeStatus::kOutOfRange:
      return "value out of range for the registry type";
    case DecodeStatus::kMalformed:
      break;
  }
  return "malformed reply";
}

DecodeStatus decode_node_format(Bytes reply, NodeFormat& out) {
  if (reply.size() < 4) return DecodeStatus::kTruncated;
  const auto* text = reinterpret_cast<const char*>(reply.data() + 4);
  const std::size_t room = reply.size() - 4;
  const void* nul = std::memchr(text, '\0', room);
  if (nul == nullptr) return DecodeStatus::kTruncated;
  out.kind = static_cast<std::uint32_t>(load_le(reply, 0, 4));
  out.format =
      std::string_view(text, static_cast<std::size_t>(static_cast<const char*>(nul) - text));
  return out.format.empty() ? DecodeStatus::kMalformed : DecodeStatus::kOk;
}

Shape shape_of(const NodeFormat& f) {
  const auto type = static_cast<CtlType>(f.ctl_type());
  const char c = f.format.empty() ? '\0' : f.format.front();
  switch (type) {
    case CtlType::kInt:
    case CtlType::kQuad:
      return c == 'I' || c == 'L' || c == 'Q' ? Shape::kInteger : Shape::kOther;
    case CtlType::kString:
      return c == 'A' ? Shape::kString : Shape::kOther;
    case CtlType::kOpaque:
      if (f.format.starts_with("S,") && f.format.size() > 2) return Shape::kStruct;
      return c == 'Q' ? Shape::kU64Array : Shape::kOther;
    case CtlType::kNode:
      break;
  }
  return Shape::kOther;
}

std::string_view struct_name_of(const NodeFormat& f) {
  return shape_of(f) == Shape::kStruct ? f.format.substr(2) : std::string_view{};
}

Decoded decode_integer(Bytes reply, schema::ValueType type) {
  if (reply.size() != 4 && reply.size() != 8) {
    return fail(reply.size() < 4 ? DecodeStatus::kTruncated : DecodeStatus::kBadLength);
  }
  const std::uint64_t raw = load_le(reply, 0, reply.size());
  if (type == schema::ValueType::I64)
    return ok(static_cast<std::uint64_t>(sign_extend(raw, reply.size())));
  if (type == schema::ValueType::U64) return ok(raw);
  return fail(DecodeStatus::kOutOfRange);
}

Decoded decode_string(Bytes reply, std::size_t capacity) {
  if (reply.empty()) return {DecodeStatus::kOk, 0, {}};
  const auto* text = reinterpret_cast<const char*>(reply.data());
  std::size_t n = reply.size();
  if (const void* nul = std::memchr(text, '\0', n); nul != nullptr) {
    n = static_cast<std::size_t>(static_cast<const char*>(nul) - text);
  }
  return {DecodeStatus::kOk, 0, std::string_view(text, n < capacity ? n : capacity)};
}

Decoded decode_u64_element(Bytes reply, std::size_t index) {
  if (reply.size() % 8 != 0) return fail(DecodeStatus::kBadLength);
  if (index >= reply.size() / 8) return fail(DecodeStatus::kTruncated);
  return ok(load_le(reply, index * 8, 8));
}

const StructField* find_struct_field(std::string_view struct_name, std::string_view field) {
  for (const StructField& f : kFields) {
    if (f.struct_name == struct_name && f.field == field) return &f;
  }
  return nullptr;
}

std::size_t struct_size(std::string_view struct_name) {
  if (struct_name == "timeval") return 16;
  if (struct_name == "loadavg") return 24;
  if (struct_name == "xsw_usage") return 32;
  if (struct_name == "clockinfo") return 20;
  return 0;
}

bool field_fits_type(const StructField& f, schema::ValueType type) {
  if (f.kind == FieldKind::kLoadAvg) return type == schema::ValueType::F64;
  return type == schema::ValueType::U64 || type == schema::ValueType::I64;
}

Decoded decode_struct_field(Bytes reply, const StructField& f, schema::ValueType type) {
  if (!field_fits_type(f, type)) return fail(DecodeStatus::kOutOfRange);
  // A struct reply is all or nothing: anything shorter than the struct is a truncated reply,
  // even when this field's bytes happen to be there.
  const std::size_t need = struct_size(f.struct_name);
  if (reply.size() < need || f.offset + f.width > need) return fail(DecodeStatus::kTruncated);
  if (reply.size() != need) return fail(DecodeStatus::kBadLength);
  const std::uint64_t raw = load_le(reply, f.offset, f.width);
  switch (f.kind) {
    case FieldKind::kSigned:
      return from_signed(sign_extend(raw, f.width), type);
    case FieldKind::kUnsigned:
      return from_unsigned(raw, type);
    case FieldKind::kLoadAvg: {
      const std::int64_t fscale = sign_extend(load_le(reply, kLoadAvgFscaleOffset, 8), 8);
      if (fscale <= 0) return fail(DecodeStatus::kMalformed);
      return ok(
          std::bit_cast<std::uint64_t>(static_cast<double>(raw) / static_cast<double>(fscale)));
    }
  }
  return fail(DecodeStatus::kMalformed);
}

}  // namespace sysring::broker::darwin
