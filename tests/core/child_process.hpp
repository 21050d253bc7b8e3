// Forked children for the multi-process suites: each child runs a body that ends in _exit and
// reports fixed-size records through a pipe (one write each, below PIPE_BUF, so a record is never
// split); the parent reads them with a deadline and reaps the child.
#pragma once

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <type_traits>

namespace sysring::coretest {

using Clock = std::chrono::steady_clock;

struct Child {
  pid_t pid = -1;
  int fd = -1;  // the read end of the child's result pipe
};

// Forks `body(write_fd)`; the parent keeps the read end. The body must end in _exit: a child
// that returned into the test framework would run the remaining tests a second time.
template <class Body>
Child spawn(Body&& body) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    body(fds[1]);
    std::_Exit(3);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

template <class T>
void report(int fd, const T& record) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= PIPE_BUF);
  (void)!::write(fd, &record, sizeof record);
}

// Reads one record from `fd`, waiting at most until `deadline`.
template <class T>
bool read_result(int fd, T& out, Clock::time_point deadline) {
  static_assert(std::is_trivially_copyable_v<T>);
  auto* bytes = reinterpret_cast<char*>(&out);
  std::size_t got = 0;
  while (got < sizeof out) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    const ssize_t r = ::read(fd, bytes + got, sizeof out - got);
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

// The child's exit code, or 128 + the signal that ended it.
inline int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace sysring::coretest
