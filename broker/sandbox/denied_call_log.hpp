// The SIGSYS handler behind the seccomp filter's default action (SCMP_ACT_TRAP): the denied call
// returns -EPERM to its caller and one line names it, once per system call number.
#pragma once

namespace sysring::broker::sandbox {

// Prepares everything the handler needs (the name table, the /dev/log socket when logging to
// syslog), so that the handler itself only formats into a stack buffer and writes, and installs
// it for SIGSYS. Call before the filter is loaded.
void install_denied_call_handler(bool log_to_syslog);

// Whether the handler can set the return value on this architecture (x86_64, aarch64); where it
// cannot, the filter answers EPERM itself and nothing is logged.
bool denied_call_trap_supported();

}  // namespace sysring::broker::sandbox
