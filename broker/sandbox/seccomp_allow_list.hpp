// The system calls sysringd makes once it is serving (broker/sandbox/seccomp_filter.hpp): its
// tick over every source, instance churn (hotplug), counters, logging and shutdown. Start-up
// (option parsing, the segment's creation, the privilege drop, the fork to the background) runs
// before the filter and needs none of them.
#pragma once

#include <span>

namespace sysring::broker::sandbox {

// Allowed with any arguments. Names, resolved for the running architecture; one that does not
// exist there (open, stat on aarch64) is skipped.
std::span<const char* const> steady_state_calls();

// Made by the sanitizer runtimes (ASan/UBSan/LSan/TSan) on their own: reports, the leak check's
// ptrace of every thread at exit, shadow memory. Empty unless built with SYSRING_SANITIZE.
std::span<const char* const> sanitizer_calls();

}  // namespace sysring::broker::sandbox
