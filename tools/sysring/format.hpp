// Turning raw metric bits, units, times and enum values into text for people.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sysring/client.hpp"

namespace sysring::cli {

[[nodiscard]] std::string type_name(ValueType type);
[[nodiscard]] std::string pattern_name(AccessPattern pattern);
[[nodiscard]] std::string state_name(layout::BrokerState state);

// "-" for 0 (read once), "1s", "250ms".
[[nodiscard]] std::string format_ttl(std::uint32_t ttl_ms);

// "512 B", "1.5 KiB", "16.0 GiB".
[[nodiscard]] std::string humanise_bytes(double bytes);

// A scalar for a table cell: integers exact, F64 with 2 decimals, byte counts also humanised:
// "17179869184 (16.0 GiB)".
[[nodiscard]] std::string format_scalar(ValueType type, std::string_view unit, std::uint64_t bits);

// Strings from the segment are untrusted: control characters (terminal escapes) are shown as
// \xNN instead of being written to the terminal.
[[nodiscard]] std::string printable(std::string_view text);

// Seconds between two CLOCK_MONOTONIC stamps, 0 if `then` is in the future.
[[nodiscard]] double seconds_between(std::uint64_t then_ns, std::uint64_t now_ns);

// "0.4s ago", "3m05s ago", "2h07m ago".
[[nodiscard]] std::string format_age(std::uint64_t then_ns, std::uint64_t now_ns);

// "0.4s", "3m05s", "2h07m", "3d04h".
[[nodiscard]] std::string format_duration(double seconds);

// "0x0123456789abcdef".
[[nodiscard]] std::string hex64(std::uint64_t value);

}  // namespace sysring::cli
