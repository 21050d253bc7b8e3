#include "privilege/privilege_drop.hpp"

#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <optional>
#include <stdexcept>

#include "local_accounts.hpp"
#include "sysring/errno_text.hpp"
#include "sysring/error.hpp"

namespace sysring::broker {
namespace {

[[noreturn]] void fail(const std::string& step) {
  throw Error(ErrorCode::kPermission, "dropping privileges: " + step + ": " + errno_text(errno));
}

using CapState = std::unique_ptr<std::remove_pointer_t<cap_t>, int (*)(void*)>;

std::vector<int> parse_capabilities(const std::string& list) {
  std::vector<int> caps;
  if (list == "none") return caps;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string name = list.substr(start, comma - start);
    cap_value_t value = 0;
    if (name.empty() || ::cap_from_name(name.c_str(), &value) != 0) {
      throw std::invalid_argument("--keep-caps: unknown capability '" + name +
                                  "' (names as in capabilities(7), e.g. cap_perfmon, or none)");
    }
    if (std::find(caps.begin(), caps.end(), value) == caps.end()) caps.push_back(value);
    start = comma + 1;
  }
  return caps;
}

// Permitted = effective = `keep`, inheritable empty.
void set_process_capabilities(const std::vector<int>& keep) {
  const CapState state(::cap_init(), ::cap_free);
  if (!state) fail("cap_init");
  std::vector<cap_value_t> values(keep.begin(), keep.end());
  if (!values.empty() &&
      (::cap_set_flag(state.get(), CAP_PERMITTED, static_cast<int>(values.size()), values.data(),
                      CAP_SET) != 0 ||
       ::cap_set_flag(state.get(), CAP_EFFECTIVE, static_cast<int>(values.size()), values.data(),
                      CAP_SET) != 0)) {
    fail("cap_set_flag");
  }
  if (::cap_set_proc(state.get()) != 0)
    fail("cap_set_proc (keeping " + describe_credentials() + ")");
}

}  // namespace

PrivilegeTarget resolve_privilege_target(const std::string& user, const std::string& caps) {
  PrivilegeTarget target;
  target.user = user;
  // From /etc/passwd itself, as clients resolve the broker user: sysringd is a static binary.
  const std::optional<detail::LocalUser> found = detail::find_local_user(user);
  if (!found) throw std::invalid_argument("--user: no user named '" + user + "' in /etc/passwd");
  target.uid = found->uid;
  target.gid = found->gid;
  target.capabilities = parse_capabilities(caps);
  return target;
}

void drop_privileges(const PrivilegeTarget& target) {
  const bool switch_user = ::geteuid() != target.uid || ::getuid() != target.uid;
  if (switch_user) {
    if (::geteuid() != 0) {
      errno = EPERM;
      fail("switching to user " + target.user + " needs root");
    }
    // While CAP_SETPCAP is still effective: nothing outside `keep` can ever come back.
    for (cap_value_t cap = 0; cap < ::cap_max_bits(); ++cap) {
      if (std::find(target.capabilities.begin(), target.capabilities.end(), cap) ==
              target.capabilities.end() &&
          ::cap_drop_bound(cap) != 0) {
        fail("cap_drop_bound");
      }
    }
    if (::cap_setgroups(target.gid, 0, nullptr) != 0) fail("setgroups/setgid");
    // cap_setuid keeps the permitted set across the change of uid (PR_SET_KEEPCAPS).
    if (::cap_setuid(target.uid) != 0) fail("setuid " + std::to_string(target.uid));
  }
  set_process_capabilities(target.capabilities);
  if (::cap_reset_ambient() != 0 && errno != EINVAL) fail("cap_reset_ambient");
  // sysringd never executes anything; this also keeps any later exec from gaining privilege.
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("PR_SET_NO_NEW_PRIVS");
  uid_t real = 0, effective = 0, saved = 0;
  if (::getresuid(&real, &effective, &saved) != 0 || real != target.uid ||
      effective != target.uid || saved != target.uid) {
    errno = EPERM;
    fail("uid is not " + std::to_string(target.uid) + " after the switch");
  }
}

std::string describe_credentials() {
  std::string text = "uid " + std::to_string(::geteuid()) + " gid " + std::to_string(::getegid());
  const CapState state(::cap_get_proc(), ::cap_free);
  if (!state) return text;
  char* caps = ::cap_to_text(state.get(), nullptr);
  if (caps == nullptr) return text;
  // cap_to_text writes "=" for an empty set.
  text += std::string(", capabilities ") + (std::string(caps) == "=" ? "none" : caps);
  ::cap_free(caps);
  return text;
}

}  // namespace sysring::broker
