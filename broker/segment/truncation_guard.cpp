#include "segment/truncation_guard.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>

namespace sysring::broker {
namespace {

std::uintptr_t g_begin = 0;
std::uintptr_t g_end = 0;

extern "C" void on_bus_error(int, siginfo_t* info, void*) {
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  if (address < g_begin || address >= g_end) return;  // not ours: the reset default kills
  static constexpr char kMessage[] =
      "sysringd: error: segment was truncated under the broker (SIGBUS); stopping\n";
  (void)!::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
  std::_Exit(1);
}

}  // namespace

void guard_against_truncation(const void* base, std::size_t size) {
  g_begin = reinterpret_cast<std::uintptr_t>(base);
  g_end = g_begin + size;
  struct sigaction sa {};
  sa.sa_sigaction = on_bus_error;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
  (void)::sigaction(SIGBUS, &sa, nullptr);
}

}  // namespace sysring::broker
