// Child processes on a short leash for the integration tests: every wait is bounded, every child
// is killed and reaped by a RAII guard (even when an assertion fails), every segment removed.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <vector>

#include "sysring/client.hpp"

namespace sysring::itest {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// "/srit-<pid>-<n>", unique per test process and call.
inline std::string unique_segment() {
  static std::atomic<unsigned> counter{0};
  return "/srit-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

inline bool shm_exists(const std::string& name) {
  const int fd = ::shm_open(name.c_str(), O_RDONLY, 0);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// Polls `done` every `step` until it is true or `timeout` passes.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds step = 10ms) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(step);
  }
}

// waitpid with a deadline. Returns the status, or nullopt if the child is still running.
inline std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  std::optional<int> result;
  wait_until(
      [&] {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) result = status;
        return r != 0;
      },
      timeout, 5ms);
  return result;
}

inline std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + ::strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

// Every byte of a shared-memory object (read-only open), or empty if it cannot be read whole.
inline std::vector<std::uint8_t> segment_bytes(const std::string& name) {
  const int fd = ::shm_open(name.c_str(), O_RDONLY, 0);
  if (fd < 0) return {};
  struct stat st {};
  std::vector<std::uint8_t> bytes;
  if (::fstat(fd, &st) == 0) {
    bytes.resize(static_cast<std::size_t>(st.st_size));
    if (::pread(fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
      bytes.clear();
    }
  }
  ::close(fd);
  return bytes;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

// A child whose stdout and stderr go to private temporary files (no pipe can fill up and block
// it). Killed with SIGKILL and reaped on destruction if still running.
class Process {
 public:
  Process() = default;
  explicit Process(const std::vector<std::string>& argv) { start(argv); }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    kill_now();
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }

  void start(const std::vector<std::string>& argv) {
    out_fd_ = temp_fd();
    err_fd_ = temp_fd();
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
      ::dup2(out_fd_, STDOUT_FILENO);
      ::dup2(err_fd_, STDERR_FILENO);
      const int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
      ::execv(args[0], args.data());
      const char msg[] = "exec failed\n";
      (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
      ::_exit(127);
    }
  }

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running() const { return pid_ > 0 && !status_; }

  // Waits up to `timeout` for the exit; kills it (and fails the wait) on timeout.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    if (status_) return status_;
    if (pid_ <= 0) return std::nullopt;
    status_ = wait_exit(pid_, timeout);
    return status_;
  }
  void signal(int signo) const {
    if (running()) ::kill(pid_, signo);
  }
  void kill_now() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    status_ = status;
  }
  [[nodiscard]] std::string out() const { return slurp(out_fd_); }
  [[nodiscard]] std::string err() const { return slurp(err_fd_); }

 private:
  static int temp_fd() {
    char path[] = "/tmp/sysring-itest-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) throw std::runtime_error(std::string("mkstemp: ") + std::strerror(errno));
    ::unlink(path);
    return fd;
  }
  static std::string slurp(int fd) {
    std::string text;
    if (fd < 0) return text;
    char buf[4096];
    off_t at = 0;
    ssize_t n;
    while ((n = ::pread(fd, buf, sizeof buf, at)) > 0) {
      text.append(buf, static_cast<std::size_t>(n));
      at += n;
    }
    return text;
  }

  pid_t pid_ = -1;
  std::optional<int> status_;
  int out_fd_ = -1;
  int err_fd_ = -1;
};

// Exactly one line on stderr, ending in '\n'.
inline ::testing::AssertionResult one_line(const std::string& text) {
  if (text.empty()) return ::testing::AssertionFailure() << "stderr is empty";
  if (text.back() != '\n')
    return ::testing::AssertionFailure() << "no final newline: [" << text << "]";
  if (text.find('\n') != text.size() - 1) {
    return ::testing::AssertionFailure() << "more than one line: [" << text << "]";
  }
  return ::testing::AssertionSuccess();
}

// /proc/sys/kernel/perf_event_paranoid (2, the usual default, when it cannot be read): below 1
// any user may count system-wide, so there is no privilege for the broker to lend.
inline int perf_event_paranoid() {
  int paranoid = 2;
  if (FILE* f = std::fopen("/proc/sys/kernel/perf_event_paranoid", "r")) {
    if (std::fscanf(f, "%d", &paranoid) != 1) paranoid = 2;
    std::fclose(f);
  }
  return paranoid;
}

struct RunResult {
  std::optional<int> status;  // nullopt: timed out and killed
  std::string out, err;
  [[nodiscard]] bool exited(int code) const {
    return status && WIFEXITED(*status) && WEXITSTATUS(*status) == code;
  }
  [[nodiscard]] bool failed_cleanly() const {  // exited on its own with a non-zero code
    return status && WIFEXITED(*status) && WEXITSTATUS(*status) != 0;
  }
  [[nodiscard]] std::string describe() const {
    return (status ? describe_status(*status) : std::string("timed out")) + "; stdout: [" + out +
           "] stderr: [" + err + "]";
  }
};

inline RunResult run(const std::vector<std::string>& argv,
                     std::chrono::milliseconds timeout = 10s) {
  Process p(argv);
  RunResult r;
  r.status = p.wait(timeout);
  p.kill_now();
  r.out = p.out();
  r.err = p.err();
  return r;
}

// A sysringd child: started in the foreground, killed in the destructor whatever happened, and
// its segment name and default request socket removed (SIGKILL leaves both behind).
class Broker {
 public:
  Broker(std::string segment, std::uint32_t tick_ms = 100, std::vector<std::string> extra = {})
      : segment_(std::move(segment)), tick_ms_(tick_ms) {
    std::vector<std::string> argv{SYSRINGD_PATH, "--foreground", "--segment",
                                  segment_,      "--tick-ms",    std::to_string(tick_ms)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_.start(argv);
  }
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;
  ~Broker() {
    process_.kill_now();
    if (owns_name_) {
      ::shm_unlink(segment_.c_str());
      ::unlink(("/run/sysring" + segment_ + ".sock").c_str());  // docs/PROCESS_COUNTERS.md
    }
  }

  // Waits (at most `timeout`) until a client can open this broker's segment; nullopt if it never
  // could.
  std::optional<Client> wait_ready(std::chrono::milliseconds timeout = 5s) {
    std::optional<Client> client;
    std::string last_error;
    wait_until(
        [&] {
          if (!process_.running() || process_.wait(0ms)) return true;  // it exited: give up
          try {
            OpenOptions o;
            o.name = segment_;
            Client c = Client::open(o);
            // Only this broker's segment counts: a killed predecessor's may still be there.
            if (c.info().broker_pid != static_cast<std::uint32_t>(process_.pid())) {
              last_error = "segment belongs to pid " + std::to_string(c.info().broker_pid);
              return false;
            }
            client.emplace(std::move(c));
            return true;
          } catch (const Error& e) {
            last_error = e.what();
            return false;
          }
        },
        timeout, 20ms);
    last_error_ = last_error;
    return client;
  }

  [[nodiscard]] Process& process() { return process_; }
  [[nodiscard]] const std::string& segment() const { return segment_; }
  [[nodiscard]] std::uint32_t tick_ms() const { return tick_ms_; }
  [[nodiscard]] const std::string& last_error() const { return last_error_; }
  // Leave the name alone at destruction (another broker took it over).
  void release_name() { owns_name_ = false; }

 private:
  std::string segment_;
  std::uint32_t tick_ms_;
  Process process_;
  bool owns_name_ = true;
  std::string last_error_;
};

}  // namespace sysring::itest
