#include "requests/target_process.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string_view>

#include "process_liveness.hpp"
#include "sysring/errno_text.hpp"

namespace sysring::broker::requests {
namespace {

constexpr std::array<const char*, 4> kFieldNames = {"real", "effective", "saved", "filesystem"};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

// The whole of a small /proc file (status is about 1.5 KB) read through `dir`.
bool read_small(int dir, const char* name, std::string& out) {
  const Fd fd(::openat(dir, name, O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return false;
  out.clear();
  char buf[2048];
  while (out.size() < 65536) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return !out.empty();
}

// "Uid:\t1000\t1000\t1000\t1000" -> the four numbers.
template <typename Id>
bool parse_id_line(std::string_view status, std::string_view label, std::array<Id, 4>& out) {
  std::size_t at = 0;
  while (true) {
    at = status.find(label, at);
    if (at == std::string_view::npos) return false;
    if (at == 0 || status[at - 1] == '\n') break;
    at += label.size();
  }
  std::string_view line = status.substr(at + label.size());
  line = line.substr(0, line.find('\n'));
  for (Id& id : out) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) return false;
    line.remove_prefix(first);
    unsigned long v = 0;
    const auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), v);
    if (ec != std::errc{} || ptr == line.data()) return false;
    id = static_cast<Id>(v);
    line.remove_prefix(static_cast<std::size_t>(ptr - line.data()));
  }
  return true;
}

}  // namespace

TargetRead read_target_process(const std::string& proc_root, pid_t pid) {
  TargetRead out;
  out.target.pid = pid;
  const std::string where = "pid " + std::to_string(pid);
  const std::string path = proc_root + "/" + std::to_string(pid);
  const Fd dir(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) {
    out.error = where + (errno == ENOENT ? std::string(": no such process")
                                         : ": " + std::string(errno_text(errno)));
    return out;
  }
  struct stat st {};
  if (::fstat(dir.get(), &st) != 0) {
    out.error = where + ": " + errno_text(errno);
    return out;
  }
  out.target.entry_owner = st.st_uid;
  std::string text;
  if (!read_small(dir.get(), "stat", text)) {
    out.error = where + ": no such process";
    return out;
  }
  const auto stat = detail::parse_proc_stat(text);
  if (!stat) {
    out.error = where + ": unreadable stat";
    return out;
  }
  if (stat->state == 'Z' || stat->state == 'X') {
    out.error = where + ": no such process (it has exited)";
    return out;
  }
  out.target.start_ticks = stat->start_ticks;
  if (!read_small(dir.get(), "status", text)) {
    out.error = where + ": no such process";
    return out;
  }
  if (!parse_id_line(text, "Uid:", out.target.uids) ||
      !parse_id_line(text, "Gid:", out.target.gids)) {
    out.error = where + ": no Uid:/Gid: lines in its status";
    return out;
  }
  out.ok = true;
  return out;
}

std::optional<std::uint64_t> target_start_ticks(const std::string& proc_root, pid_t pid) {
  const std::string path = proc_root + "/" + std::to_string(pid) + "/stat";
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return std::nullopt;
  char buf[1024];
  const ssize_t n = ::read(fd.get(), buf, sizeof buf);
  if (n <= 0) return std::nullopt;
  const auto stat = detail::parse_proc_stat(std::string_view(buf, static_cast<std::size_t>(n)));
  if (!stat || stat->state == 'Z' || stat->state == 'X') return std::nullopt;
  return stat->start_ticks;
}

std::string ownership_problem(const TargetProcess& t, uid_t uid, gid_t gid) {
  const std::string where = "pid " + std::to_string(t.pid);
  for (std::size_t i = 0; i < 4; ++i) {
    if (t.uids[i] != uid) {
      return where + " is not yours: its " + kFieldNames[i] + " uid is " +
             std::to_string(t.uids[i]) + ", yours " + std::to_string(uid);
    }
  }
  for (std::size_t i = 0; i < 4; ++i) {
    if (t.gids[i] != gid) {
      return where + " is not yours: its " + kFieldNames[i] + " gid is " +
             std::to_string(t.gids[i]) + ", yours " + std::to_string(gid);
    }
  }
  if (t.entry_owner != uid) {
    return where +
           " is not dumpable (a setuid or set-non-dumpable program): its /proc entry "
           "belongs to uid " +
           std::to_string(t.entry_owner);
  }
  return {};
}

}  // namespace sysring::broker::requests
