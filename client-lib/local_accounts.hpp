// Users and groups of the local account files. On Linux they are read from /etc/passwd and
// /etc/group directly (fgetpwent_r, fgetgrent_r): sysringd, the CLI and the exporter are static
// binaries, which cannot load NSS modules, and a service's system users and groups always live
// in those files. macOS asks Directory Services (getpwnam_r, getgrnam_r).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace sysring::detail {

struct LocalUser {
  uid_t uid = 0;
  gid_t gid = 0;  // the primary group
};

// nullopt when no user or group has exactly this name.
std::optional<LocalUser> find_local_user(const std::string& name);
std::optional<gid_t> find_local_group(const std::string& name);

}  // namespace sysring::detail
