// The seccomp filter in a forked child (it cannot be removed once loaded): a call outside the
// allow-list fails with EPERM and is logged once, allowed calls and new threads still work, and
// the child is not killed.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>

#include "sandbox/seccomp_filter.hpp"

namespace {

using sysring::broker::sandbox::install_seccomp_filter;

// The child's verdicts, as exit codes: 0 when every check held, else the first that failed.
enum ChildResult : int {
  kOk = 0,
  kInstallFailed = 10,
  kNotFiltered,
  kInetSocketAllowed,
  kInetSocketNotEperm,
  kNetlinkSocketRefused,
  kSecondDenialNotEperm,
  kThreadFailed,
  kDeniedInThreadNotEperm,
  kFileReadFailed,
};

bool status_says_filtered() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line == "Seccomp:\t2") return true;
  }
  return false;
}

// Runs in the child: stderr is the pipe the parent reads.
int filtered_child() {
  try {
    if (install_seccomp_filter({}) < 20) return kInstallFailed;
  } catch (const std::exception&) {
    return kInstallFailed;
  }
  if (!status_says_filtered()) return kNotFiltered;
  errno = 0;
  const int inet = ::socket(AF_INET, SOCK_STREAM, 0);
  if (inet >= 0) return kInetSocketAllowed;
  if (errno != EPERM) return kInetSocketNotEperm;
  const int netlink = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0);
  if (netlink < 0) return kNetlinkSocketRefused;
  ::close(netlink);
  errno = 0;
  if (::socket(AF_INET6, SOCK_DGRAM, 0) >= 0 || errno != EPERM) return kSecondDenialNotEperm;
  // Threads: clone3 answers ENOSYS, and glibc falls back to clone with CLONE_THREAD. The filter
  // (TSYNC) and the handler cover the new thread too.
  int thread_errno = 0;
  try {
    std::thread worker([&] {
      errno = 0;
      if (::chdir("/") != 0) thread_errno = errno;
    });
    worker.join();
  } catch (const std::exception&) {
    return kThreadFailed;
  }
  if (thread_errno != EPERM) return kDeniedInThreadNotEperm;
  std::ifstream stat("/proc/self/stat");
  std::string text;
  if (!std::getline(stat, text) || text.empty()) return kFileReadFailed;
  return kOk;
}

TEST(SeccompFilter, DeniedCallFailsWithEpermIsLoggedOnceAndTheProcessLives) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(fds[1], STDERR_FILENO);
    ::_exit(filtered_child());  // no exit handlers: the filter stays on until the end
  }
  ::close(fds[1]);
  std::string log;
  char buf[512];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) log.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status) << "; log: " << log;
  EXPECT_EQ(WEXITSTATUS(status), kOk) << log;
  const std::string socket_line = "seccomp denied system call " + std::to_string(SYS_socket) +
                                  " (socket): it failed with EPERM";
  const auto first = log.find(socket_line);
  EXPECT_NE(first, std::string::npos) << log;
  EXPECT_EQ(log.find(socket_line, first + 1), std::string::npos) << "logged twice: " << log;
  EXPECT_NE(log.find("(chdir)"), std::string::npos) << log;
}

TEST(SeccompFilter, SigsysFromKillIsIgnored) {
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    try {
      install_seccomp_filter({});
    } catch (const std::exception&) {
      ::_exit(kInstallFailed);
    }
    ::kill(::getpid(), SIGSYS);  // not a filtered call: nothing to answer, nothing to log
    ::_exit(kOk);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), kOk);
}

}  // namespace
