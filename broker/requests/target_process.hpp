// The process a caller wants counted, as /proc shows it: its uids and gids, its start time and
// who owns its /proc entry (docs/PROCESS_COUNTERS.md "Checks" 5, 6 and 9). `proc_root` is /proc
// in the broker and a fixture tree in tests.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace sysring::broker::requests {

struct TargetProcess {
  pid_t pid = 0;
  std::array<uid_t, 4> uids{};  // real, effective, saved, filesystem (the Uid: line)
  std::array<gid_t, 4> gids{};
  std::uint64_t start_ticks = 0;  // /proc/PID/stat field 22
  uid_t entry_owner = 0;          // fstat of /proc/PID: root when the process is not dumpable
};

struct TargetRead {
  bool ok = false;
  TargetProcess target;
  std::string error;  // "pid 42: no such process", ...
};

// Reads /proc/PID/{status,stat} and fstat()s /proc/PID. A zombie counts as gone.
[[nodiscard]] TargetRead read_target_process(const std::string& proc_root, pid_t pid);

// The start time of a live (not zombie) process, nullopt when it is gone: the ledger's test.
[[nodiscard]] std::optional<std::uint64_t> target_start_ticks(const std::string& proc_root,
                                                              pid_t pid);

// The ptrace read rule: every uid equals `uid`, every gid equals `gid`, and the /proc entry is
// owned by `uid` (dumpable). Empty when the caller may count it, else the one-line reason.
[[nodiscard]] std::string ownership_problem(const TargetProcess& target, uid_t uid, gid_t gid);

}  // namespace sysring::broker::requests
