// The broker's log: one line per event, to stderr in the foreground and to syslog when detached.
#pragma once

#include <string_view>

namespace sysring::broker::log {

enum class Level { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

void set_level(Level level);
void use_syslog();
void write(Level level, std::string_view message);

inline void error(std::string_view m) {
  write(Level::kError, m);
}
inline void warn(std::string_view m) {
  write(Level::kWarn, m);
}
inline void info(std::string_view m) {
  write(Level::kInfo, m);
}
inline void debug(std::string_view m) {
  write(Level::kDebug, m);
}

}  // namespace sysring::broker::log
