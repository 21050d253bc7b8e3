#include "broker_user.hpp"

#include <unistd.h>

#include <cstdlib>

#include "local_accounts.hpp"

#ifndef SYSRING_BROKER_USER
#define SYSRING_BROKER_USER "sysring"
#endif

namespace sysring::detail {

std::string broker_user_name() {
#ifdef __APPLE__
  const char* from_env = ::issetugid() ? nullptr : std::getenv("SYSRING_BROKER_USER");
#else
  const char* from_env = ::secure_getenv("SYSRING_BROKER_USER");
#endif
  return from_env != nullptr ? from_env : SYSRING_BROKER_USER;
}

std::optional<uid_t> local_user_uid(const std::string& name) {
  const std::optional<LocalUser> user = find_local_user(name);
  if (!user) return std::nullopt;
  return user->uid;
}

}  // namespace sysring::detail
