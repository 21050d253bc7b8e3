// sysringd's in-process sandbox: a seccomp allow-list of the system calls it makes once it is
// serving, installed after start-up (privilege drop, readiness report) on every thread.
#pragma once

#include <cstddef>

namespace sysring::broker::sandbox {

struct SeccompSettings {
  // Where a denied call is reported: stderr (foreground) or syslog's /dev/log (detached).
  bool log_to_syslog = false;
};

// Installs the filter on every thread of the process (SCMP_FLTATR_CTL_TSYNC) and sets
// no_new_privs. A call outside the list is not fatal: it fails with EPERM and is logged once per
// system call number (denied_call_log.hpp). Returns the number of system calls allowed. Throws
// std::runtime_error (one line) when the kernel or libseccomp refuses.
std::size_t install_seccomp_filter(const SeccompSettings& settings);

}  // namespace sysring::broker::sandbox
