// One request, start to finish, without the socket: the checks of docs/PROCESS_COUNTERS.md in
// their order, the open, the check after the open, the ledger. request_server.cpp feeds it the
// bytes and the SO_PEERCRED credentials and sends what it returns.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "counters/perf/perf_syscalls.hpp"
#include "requests/grant_ledger.hpp"
#include "requests/request_policy.hpp"

namespace sysring::broker::requests {

struct Caller {
  uid_t uid = 0;
  gid_t gid = 0;
  pid_t pid = 0;
};

struct Reply {
  std::vector<std::uint8_t> bytes;  // a CounterReply
  std::vector<int> fds;             // SCM_RIGHTS, one per counter; the sender closes them
  std::string refusal;              // the error line, empty when granted
};

struct HandlerSettings {
  std::string proc_root = "/proc";
  std::string passwd_file = "/etc/passwd";
  std::string group_file = "/etc/group";
};

class RequestHandler {
 public:
  RequestHandler(RequestPolicy policy, std::shared_ptr<counters::perf::PerfSyscalls> syscalls,
                 HandlerSettings settings = {});

  [[nodiscard]] Reply handle(const Caller& caller, std::span<const std::uint8_t> bytes);
  // Closes the reply's descriptors (after sendmsg, or when it failed).
  void release(Reply& reply);

  [[nodiscard]] const RequestPolicy& policy() const { return policy_; }
  [[nodiscard]] GrantLedger& ledger() { return ledger_; }

 private:
  RequestPolicy policy_;
  std::shared_ptr<counters::perf::PerfSyscalls> syscalls_;
  HandlerSettings settings_;
  GrantLedger ledger_;
};

}  // namespace sysring::broker::requests
