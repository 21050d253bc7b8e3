#include "stop_signal.hpp"

#include <signal.h>
#include <time.h>

#include <csignal>

namespace sysring::cli {
namespace {

volatile std::sig_atomic_t g_stop_requested = 0;

extern "C" void on_stop_signal(int /*signo*/) {
  g_stop_requested = 1;
}

}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a signal cuts the poll sleep short, so we exit promptly
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

bool stop_requested() {
  return g_stop_requested != 0;
}

void sleep_ns(std::uint64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000ULL), static_cast<long>(ns % 1'000'000'000ULL)};
  ::nanosleep(&ts, nullptr);  // EINTR: the caller re-checks the stop flag
}

}  // namespace sysring::cli
