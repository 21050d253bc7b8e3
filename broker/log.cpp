#include "log.hpp"

#include <syslog.h>

#include <cstdio>

namespace sysring::broker::log {
namespace {
Level g_level = Level::kInfo;
bool g_syslog = false;
}  // namespace

void set_level(Level level) {
  g_level = level;
}

void use_syslog() {
  ::openlog("sysringd", LOG_PID, LOG_DAEMON);
  g_syslog = true;
}

void write(Level level, std::string_view message) {
  if (level > g_level) return;
  static constexpr const char* kNames[] = {"error", "warn", "info", "debug"};
  static constexpr int kPriorities[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
  const auto i = static_cast<int>(level);
  if (g_syslog) {
    ::syslog(kPriorities[i], "%.*s", static_cast<int>(message.size()), message.data());
  } else {
    (void)std::fprintf(stderr, "sysringd: %s: %.*s\n", kNames[i], static_cast<int>(message.size()),
                       message.data());
  }
}

}  // namespace sysring::broker::log
