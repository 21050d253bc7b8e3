// The installation's broker user: the one account besides root (and the caller itself) whose
// segment a client trusts. Fixed when libsysring is built (CMake SYSRING_BROKER_USER, default
// "sysring"); a process may name another with the environment variable SYSRING_BROKER_USER,
// which setuid and setgid programs ignore (secure_getenv), so it can only lower the guard of
// the caller's own processes.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace sysring::detail {

// The configured name ("" when none is configured).
std::string broker_user_name();

// The uid of `name` from the local account files (local_accounts.hpp), or nullopt if no such
// user exists.
std::optional<uid_t> local_user_uid(const std::string& name);

}  // namespace sysring::detail
