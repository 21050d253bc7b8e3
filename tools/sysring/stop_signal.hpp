// SIGINT/SIGTERM end the live verbs (watch, pmc) cleanly: the handler only sets a flag, and the
// sleep between polls is cut short (no SA_RESTART) so they exit promptly.
#pragma once

#include <cstdint>

namespace sysring::cli {

void install_stop_handlers();
[[nodiscard]] bool stop_requested();
// Sleeps up to `ns`; returns early when a stop signal arrives.
void sleep_ns(std::uint64_t ns);

}  // namespace sysring::cli
