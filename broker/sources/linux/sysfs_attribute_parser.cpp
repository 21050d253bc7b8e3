#include "sysfs_attribute_parser.hpp"

#include <array>
#include <charconv>
#include <cstddef>
#include <limits>
#include <system_error>

#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {
namespace {

using Status = AttributeValue::Status;

constexpr AttributeValue ok(std::uint64_t value) {
  return {Status::kOk, value};
}

// RFC 2863 operstate names as the kernel prints them, indexed by their IF_OPER_* code.
constexpr std::array<std::string_view, 7> kOperstates = {
    "unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up"};

AttributeValue operstate(std::string_view text) {
  for (std::size_t code = 0; code < kOperstates.size(); ++code) {
    if (kOperstates[code] == text) return ok(code);
  }
  return {};
}

AttributeValue hex(std::string_view text) {
  if (!text.starts_with("0x") && !text.starts_with("0X")) return {};
  text.remove_prefix(2);
  std::uint64_t value = 0;
  const char* const end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, 16);
  if (text.empty() || ec != std::errc{} || ptr != end) return {};
  return ok(value);
}

// The codes node_exporter's callers expect; 0 stays free so a zeroed cell never means a duplex.
AttributeValue duplex(std::string_view text) {
  if (text == "unknown") return ok(1);
  if (text == "half") return ok(2);
  if (text == "full") return ok(3);
  return {};
}

AttributeValue speed(std::string_view text) {
  std::int64_t value = 0;
  if (procfs::parse_i64(text, value) != procfs::DecodeStatus::kOk) return {};
  if (value < 0) return {Status::kAbsent, 0};
  return ok(static_cast<std::uint64_t>(value));
}

AttributeValue decimal(std::string_view text, std::uint64_t factor) {
  std::uint64_t value = 0;
  if (procfs::parse_u64(text, value) != procfs::DecodeStatus::kOk ||
      value > std::numeric_limits<std::uint64_t>::max() / factor)
    return {};
  return ok(value * factor);
}

}  // namespace

AttributeValue parse_attribute(AttributeFormat format, std::string_view text) {
  text = procfs::trim(text);
  switch (format) {
    case AttributeFormat::kDecimal:
      return decimal(text, 1);
    case AttributeFormat::kKilohertz:
      return decimal(text, 1000);
    case AttributeFormat::kHex:
      return hex(text);
    case AttributeFormat::kOperstate:
      return operstate(text);
    case AttributeFormat::kSpeed:
      return speed(text);
    case AttributeFormat::kDuplex:
      return duplex(text);
  }
  return {};
}

}  // namespace sysring::broker::linux_instances
