#include "format.hpp"

#include <cinttypes>
#include <cmath>
#include <cstdio>

namespace sysring::cli {

namespace {

std::string printf_string(const char* format, auto... args) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, format, args...);
  return n < 0 ? std::string() : std::string(buf, std::min<std::size_t>(n, sizeof buf - 1));
}

// Multiplier that turns a value in `unit` into bytes, or 0 if the unit is not a byte count.
double bytes_per_unit(std::string_view unit) {
  if (unit == "bytes" || unit == "B") return 1.0;
  if (unit == "KiB" || unit == "kB") return 1024.0;
  if (unit == "MiB") return 1024.0 * 1024.0;
  return 0.0;
}

}  // namespace

std::string type_name(ValueType type) {
  switch (type) {
    case ValueType::U64:
      return "u64";
    case ValueType::I64:
      return "i64";
    case ValueType::F64:
      return "f64";
    case ValueType::String:
      return "string";
    case ValueType::Counter:
      return "counter";
    case ValueType::Unknown:
      break;
  }
  return "unknown";
}

std::string pattern_name(AccessPattern pattern) {
  switch (pattern) {
    case AccessPattern::Static:
      return "static";
    case AccessPattern::Polled:
      return "polled";
    case AccessPattern::Constrained:
      return "constrained";
    case AccessPattern::Dynamic:
      return "dynamic";
    case AccessPattern::Disabled:
      return "disabled";
  }
  return "unknown";
}

std::string state_name(layout::BrokerState state) {
  switch (state) {
    case layout::BrokerState::kInit:
      return "init";
    case layout::BrokerState::kLive:
      return "live";
    case layout::BrokerState::kClosed:
      return "closed";
  }
  return "unknown(" + std::to_string(static_cast<std::uint64_t>(state)) + ")";
}

std::string format_ttl(std::uint32_t ttl_ms) {
  if (ttl_ms == 0) return "-";
  if (ttl_ms % 1000 == 0) return std::to_string(ttl_ms / 1000) + "s";
  return std::to_string(ttl_ms) + "ms";
}

std::string humanise_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::size_t unit = 0;
  double scaled = bytes;
  while (std::fabs(scaled) >= 1024.0 && unit + 1 < std::size(kUnits)) {
    scaled /= 1024.0;
    ++unit;
  }
  if (unit == 0) return printf_string("%.0f B", scaled);
  return printf_string("%.1f %s", scaled, kUnits[unit]);
}

std::string format_scalar(ValueType type, std::string_view unit, std::uint64_t bits) {
  Scalar scalar;
  scalar.bits = bits;
  scalar.type = type;
  std::string text;
  switch (type) {
    case ValueType::U64:
      text = std::to_string(scalar.as_u64());
      break;
    case ValueType::I64:
      text = std::to_string(scalar.as_i64());
      break;
    case ValueType::F64:
      return printf_string("%.2f", scalar.as_f64());
    default:
      return "raw " + hex64(bits);  // a type this build does not know
  }
  const double scale = bytes_per_unit(unit);
  const double bytes = scalar.as_number() * scale;
  if (scale > 0.0 && std::fabs(bytes) >= 1024.0) text += " (" + humanise_bytes(bytes) + ")";
  return text;
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      out += printf_string("\\x%02x", static_cast<unsigned>(c));
    } else {
      out += ch;
    }
  }
  return out;
}

double seconds_between(std::uint64_t then_ns, std::uint64_t now_ns) {
  return now_ns > then_ns ? static_cast<double>(now_ns - then_ns) / 1e9 : 0.0;
}

std::string format_duration(double seconds) {
  if (seconds < 60.0) return printf_string("%.1fs", seconds);
  const auto whole = static_cast<std::uint64_t>(seconds);
  if (whole < 3600) return printf_string("%" PRIu64 "m%02" PRIu64 "s", whole / 60, whole % 60);
  if (whole < 86400) {
    return printf_string("%" PRIu64 "h%02" PRIu64 "m", whole / 3600, whole % 3600 / 60);
  }
  return printf_string("%" PRIu64 "d%02" PRIu64 "h", whole / 86400, whole % 86400 / 3600);
}

std::string format_age(std::uint64_t then_ns, std::uint64_t now_ns) {
  return format_duration(seconds_between(then_ns, now_ns)) + " ago";
}

std::string hex64(std::uint64_t value) {
  return printf_string("0x%016" PRIx64, value);
}

}  // namespace sysring::cli
