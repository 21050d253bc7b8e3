#include "exporter_log.hpp"

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

namespace sysring::exporter {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::mutex g_mutex;

void append_value(std::string& line, std::string_view value) {
  const bool quote = value.empty() || value.find_first_of(" =\"") != std::string_view::npos;
  if (!quote) {
    line += value;
    return;
  }
  line += '"';
  for (const char c : value) {
    if (c == '"' || c == '\\') line += '\\';
    line += c == '\n' ? ' ' : c;
  }
  line += '"';
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  return std::nullopt;
}

void set_log_level(LogLevel level) {
  g_level.store(level, std::memory_order_relaxed);
}

bool log_enabled(LogLevel level) {
  return level >= g_level.load(std::memory_order_relaxed);
}

void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (!log_enabled(level)) return;
  constexpr std::string_view kNames[] = {"debug", "info", "warn", "error"};
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  std::tm utc{};
  gmtime_r(&now.tv_sec, &utc);
  char stamp[40];
  const auto n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string line = "ts=";
  line.append(stamp, n);
  char millis[16];
  (void)std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(now.tv_nsec / 1000000));
  line += millis;
  line += " level=";
  line += kNames[static_cast<int>(level)];
  line += " msg=";
  append_value(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    append_value(line, value);
  }
  line += '\n';
  const std::lock_guard lock(g_mutex);
  (void)std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace sysring::exporter
