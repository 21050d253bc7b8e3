// Least privilege: a broker started as root becomes the configured user with only the
// capabilities it needs (CAP_PERFMON for system-wide counters), once its segment exists.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace sysring::broker {

struct PrivilegeTarget {
  std::string user;  // the name, for messages
  uid_t uid = 0;
  gid_t gid = 0;                  // the user's primary group
  std::vector<int> capabilities;  // capability numbers to keep (empty: none)
};

// Resolves --user NAME and --keep-caps LIST ("cap_perfmon", "cap_perfmon,cap_sys_ptrace",
// "none"). Throws std::invalid_argument with one line for an unknown user or capability.
PrivilegeTarget resolve_privilege_target(const std::string& user, const std::string& caps);

// Becomes target for good: bounding set reduced to the kept capabilities (while still root),
// supplementary groups dropped, gid and uid set (real, effective and saved), permitted and
// effective sets = the kept capabilities, ambient set cleared, no_new_privs set. A process
// already running as the target user (a service manager did the switch) only trims its
// capabilities. Throws Error(kPermission) with one line if any step fails; the caller must
// then exit, since a half-dropped process is neither what was asked nor safe.
void drop_privileges(const PrivilegeTarget& target);

// "uid 999 gid 999, capabilities cap_perfmon=ep": the process's credentials now, for the log.
std::string describe_credentials();

}  // namespace sysring::broker
