// Whether the process that created a segment still runs: the one liveness rule shared by the
// broker (replacing a stale segment) and clients (Client::health(), `sysring` messages).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace sysring::detail {

// The two fields of /proc/PID/stat the rule needs.
struct ProcStat {
  char state = 0;                 // field 3: R, S, D, Z (zombie), X (dead), ...
  std::uint64_t start_ticks = 0;  // field 22: start time, clock ticks after boot
};

// Parses the text of /proc/PID/stat. The command name (field 2) may hold spaces and
// parentheses, so the fields after it are counted from the last ')'. nullopt if malformed.
std::optional<ProcStat> parse_proc_stat(std::string_view text) noexcept;

// True unless process `pid` certainly is not the live broker that created a segment whose
// header says start_mono_ns = `created_mono_ns` (CLOCK_MONOTONIC):
//   - kill(pid, 0) fails with ESRCH: no such process;
//   - Linux: /proc/PID/stat gives state Z or X: it has exited, only its parent has not reaped it;
//   - Linux: the process started after the segment was created, so the pid was reused.
// The start time is boot-time based and the header's stamp is monotonic: the creation time in
// boot-time terms is at most created_mono_ns plus the time suspended so far (CLOCK_BOOTTIME -
// CLOCK_MONOTONIC now), and the process counts as another only past that bound, so a live
// broker is never called dead. Anything unreadable (hidepid, a race) counts as running.
// macOS: kill(pid, 0) only (a zombie there counts as running until reaped).
bool broker_process_running(std::uint32_t pid, std::uint64_t created_mono_ns) noexcept;

}  // namespace sysring::detail
