#include "broker_user.hpp"

#include <pwd.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>

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
  if (name.empty()) return std::nullopt;
  passwd entry{};
  passwd* found = nullptr;
  std::array<char, 1024> buf{};
#ifdef __APPLE__
  if (::getpwnam_r(name.c_str(), &entry, buf.data(), buf.size(), &found) != 0 || !found) {
    return std::nullopt;
  }
  return found->pw_uid;
#else
  FILE* db = std::fopen("/etc/passwd", "re");
  if (db == nullptr) return std::nullopt;
  std::optional<uid_t> uid;
  while (::fgetpwent_r(db, &entry, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    if (name == found->pw_name) {
      uid = found->pw_uid;
      break;
    }
  }
  (void)std::fclose(db);
  return uid;
#endif
}

}  // namespace sysring::detail
