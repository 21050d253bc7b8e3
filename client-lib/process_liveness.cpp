#include "process_liveness.hpp"

#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>

namespace sysring::detail {

std::optional<ProcStat> parse_proc_stat(std::string_view text) noexcept {
  const std::size_t close = text.rfind(')');
  if (close == std::string_view::npos || text.find('(') > close) return std::nullopt;
  std::string_view rest = text.substr(close + 1);
  // Fields 3 (state) to 22 (starttime), separated by single spaces.
  ProcStat out;
  for (int field = 3; field <= 22; ++field) {
    if (rest.empty() || rest.front() != ' ') return std::nullopt;
    rest.remove_prefix(1);
    const std::size_t end = std::min(rest.find_first_of(" \n"), rest.size());
    const std::string_view value = rest.substr(0, end);
    if (value.empty()) return std::nullopt;
    if (field == 3) {
      if (value.size() != 1) return std::nullopt;
      out.state = value.front();
    } else if (field == 22) {
      const auto [ptr, ec] =
          std::from_chars(value.data(), value.data() + value.size(), out.start_ticks);
      if (ec != std::errc{} || ptr != value.data() + value.size()) return std::nullopt;
    }
    rest.remove_prefix(end);
  }
  return out;
}

namespace {

#ifndef __APPLE__
std::uint64_t clock_ns(clockid_t clock) noexcept {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// /proc/PID/stat read with plain system calls (health() is noexcept). nullopt with `gone` set
// when the process vanished meanwhile; nullopt alone when it cannot be read or parsed.
std::optional<ProcStat> read_proc_stat(std::uint32_t pid, bool& gone) noexcept {
  gone = false;
  char path[32];
  const std::string_view prefix = "/proc/";
  std::size_t n = prefix.copy(path, prefix.size());
  const auto [end, ec] = std::to_chars(path + n, path + sizeof path - 6, pid);
  if (ec != std::errc{}) return std::nullopt;
  n = static_cast<std::size_t>(end - path);
  const std::string_view suffix = "/stat";
  n += suffix.copy(path + n, suffix.size());
  path[n] = '\0';
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    gone = errno == ENOENT || errno == ESRCH;
    return std::nullopt;
  }
  // comm is at most 64 bytes and the 50-odd numeric fields well under 1 KiB.
  char buf[2048];
  std::size_t used = 0;
  while (used < sizeof buf) {
    const ssize_t r = ::read(fd, buf + used, sizeof buf - used);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      gone = errno == ESRCH;  // the task exited between open and read
      ::close(fd);
      return std::nullopt;
    }
    if (r == 0) break;
    used += static_cast<std::size_t>(r);
  }
  ::close(fd);
  return parse_proc_stat(std::string_view(buf, used));
}
#endif

}  // namespace

bool broker_process_running(std::uint32_t pid, std::uint64_t created_mono_ns) noexcept {
  // 0 or past INT32_MAX would make kill() target a process group: not a broker's pid.
  if (pid == 0 || pid > static_cast<std::uint32_t>(INT32_MAX)) return false;
  if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) return false;
#ifdef __APPLE__
  (void)created_mono_ns;
  return true;
#else
  bool gone = false;
  const std::optional<ProcStat> stat = read_proc_stat(pid, gone);
  if (!stat) return !gone;
  if (stat->state == 'Z' || stat->state == 'X' || stat->state == 'x') return false;
  const long ticks_per_s = ::sysconf(_SC_CLK_TCK);
  if (ticks_per_s <= 0 || created_mono_ns == 0) return true;
  const std::uint64_t tps = static_cast<std::uint64_t>(ticks_per_s);
  // Field 22 is truncated to ticks, so never later than the true start.
  const std::uint64_t started_boot_ns =
      stat->start_ticks / tps * 1'000'000'000ULL + stat->start_ticks % tps * 1'000'000'000ULL / tps;
  const std::uint64_t mono = clock_ns(CLOCK_MONOTONIC);
  const std::uint64_t boot = clock_ns(CLOCK_BOOTTIME);
  const std::uint64_t suspended = boot > mono ? boot - mono : 0;
  const std::uint64_t created_boot_at_most = created_mono_ns + suspended;
  return started_boot_ns <= created_boot_at_most;
#endif
}

}  // namespace sysring::detail
