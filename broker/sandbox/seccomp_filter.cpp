#include "sandbox/seccomp_filter.hpp"

#include <sched.h>
#include <seccomp.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>

#include "sandbox/denied_call_log.hpp"
#include "sandbox/seccomp_allow_list.hpp"
#include "sysring/errno_text.hpp"

namespace sysring::broker::sandbox {
namespace {

struct ContextRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using FilterContext = std::unique_ptr<void, ContextRelease>;

// libseccomp returns -errno.
void check(int rc, const std::string& what) {
  if (rc < 0) throw std::runtime_error("seccomp: " + what + ": " + errno_text(-rc));
}

class AllowList {
 public:
  explicit AllowList(scmp_filter_ctx ctx) : ctx_(ctx) {}

  // A name the architecture lacks resolves to a negative (pseudo) number: skipped, not counted.
  void allow(const char* name) {
    const int number = seccomp_syscall_resolve_name(name);
    if (number < 0) return;
    check(seccomp_rule_add(ctx_, SCMP_ACT_ALLOW, number, 0), std::string("allow ") + name);
    ++count_;
  }

  // One call allowed with its first argument equal to one of values (counted once).
  void allow_first_argument(const char* name, std::initializer_list<scmp_datum_t> values) {
    const int number = seccomp_syscall_resolve_name(name);
    if (number < 0) return;
    for (const scmp_datum_t value : values) {
      check(seccomp_rule_add(ctx_, SCMP_ACT_ALLOW, number, 1, SCMP_A0(SCMP_CMP_EQ, value)),
            std::string("allow ") + name);
    }
    ++count_;
  }

  [[nodiscard]] std::size_t count() const { return count_; }

 private:
  scmp_filter_ctx ctx_;
  std::size_t count_ = 0;
};

}  // namespace

std::size_t install_seccomp_filter(const SeccompSettings& settings) {
  // The default action. TRAP lets the SIGSYS handler log the call and make it return EPERM, so a
  // call missing from the list costs one metric or one log line, never the broker; ERRNO alone
  // would fail silently (SCMP_ACT_LOG cannot be combined with it: it goes to the kernel's audit
  // log, not the broker's), KILL would turn every omission into an outage.
  const bool trap = denied_call_trap_supported();
  if (trap) install_denied_call_handler(settings.log_to_syslog);
  FilterContext ctx(seccomp_init(trap ? SCMP_ACT_TRAP : SCMP_ACT_ERRNO(EPERM)));
  if (!ctx) throw std::runtime_error("seccomp: seccomp_init failed");
  // Every thread (the statfs worker's): a filter on the calling thread alone would leave them
  // free. no_new_privs (libseccomp's default) is what lets an unprivileged broker load it.
  check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1), "thread sync");

  AllowList list(ctx.get());
  for (const char* name : steady_state_calls()) list.allow(name);
  for (const char* name : sanitizer_calls()) list.allow(name);
  // Sockets: AF_NETLINK for the rtnetlink dumps, AF_UNIX for syslog's /dev/log. No IP.
  list.allow_first_argument("socket", {AF_NETLINK, AF_UNIX});
#ifndef SYSRING_SECCOMP_SANITIZER_CALLS
  // Threads only (the statfs worker's callers): no new processes. clone3 passes its flags in
  // memory, out of the filter's reach, so it answers ENOSYS and glibc falls back to clone.
  const int clone = seccomp_syscall_resolve_name("clone");
  check(seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, clone, 1,
                         SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)),
        "allow clone");
  const int clone3 = seccomp_syscall_resolve_name("clone3");
  if (clone3 >= 0) {
    check(seccomp_rule_add(ctx.get(), SCMP_ACT_ERRNO(ENOSYS), clone3, 0), "clone3 ENOSYS");
  }
  const std::size_t allowed = list.count() + 1;
#else
  const std::size_t allowed = list.count();  // the sanitizers' list has clone and clone3
#endif
  check(seccomp_load(ctx.get()), "load");
  return allowed;
}

}  // namespace sysring::broker::sandbox
