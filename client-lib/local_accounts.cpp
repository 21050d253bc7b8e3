#include "local_accounts.hpp"

#include <grp.h>
#include <pwd.h>

#include <cstdio>
#include <memory>
#include <vector>

namespace sysring::detail {

namespace {

// Long group member lists need more than a page.
constexpr std::size_t kEntryBufferBytes = 16384;

#ifndef __APPLE__
using AccountFile = std::unique_ptr<FILE, int (*)(FILE*)>;

AccountFile open_account_file(const char* path) {
  return {std::fopen(path, "re"), &std::fclose};
}
#endif

}  // namespace

std::optional<LocalUser> find_local_user(const std::string& name) {
  if (name.empty()) return std::nullopt;
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buf(kEntryBufferBytes);
#ifdef __APPLE__
  if (::getpwnam_r(name.c_str(), &entry, buf.data(), buf.size(), &found) != 0 || !found) {
    return std::nullopt;
  }
  return LocalUser{found->pw_uid, found->pw_gid};
#else
  const AccountFile db = open_account_file("/etc/passwd");
  if (!db) return std::nullopt;
  while (::fgetpwent_r(db.get(), &entry, buf.data(), buf.size(), &found) == 0 && found) {
    if (name == found->pw_name) return LocalUser{found->pw_uid, found->pw_gid};
  }
  return std::nullopt;
#endif
}

std::optional<gid_t> find_local_group(const std::string& name) {
  if (name.empty()) return std::nullopt;
  group entry{};
  group* found = nullptr;
  std::vector<char> buf(kEntryBufferBytes);
#ifdef __APPLE__
  if (::getgrnam_r(name.c_str(), &entry, buf.data(), buf.size(), &found) != 0 || !found) {
    return std::nullopt;
  }
  return found->gr_gid;
#else
  const AccountFile db = open_account_file("/etc/group");
  if (!db) return std::nullopt;
  while (::fgetgrent_r(db.get(), &entry, buf.data(), buf.size(), &found) == 0 && found) {
    if (name == found->gr_name) return found->gr_gid;
  }
  return std::nullopt;
#endif
}

}  // namespace sysring::detail
