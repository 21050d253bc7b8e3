// The exporter's log: logfmt lines on stderr, as node_exporter writes them
// (ts=... level=info msg="..." key=value), filtered by --log-level. Thread-safe.
#pragma once

#include <initializer_list>
#include <optional>
#include <string_view>
#include <utility>

namespace sysring::exporter {

enum class LogLevel : unsigned char { kDebug, kInfo, kWarn, kError };

[[nodiscard]] std::optional<LogLevel> parse_log_level(std::string_view text);

void set_log_level(LogLevel level);
[[nodiscard]] bool log_enabled(LogLevel level);

using LogField = std::pair<std::string_view, std::string_view>;
void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});

}  // namespace sysring::exporter
