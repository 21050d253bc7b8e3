// A fake broker in the test process: a SOCK_SEQPACKET listener in a temporary directory, served
// by a thread that answers each connection the way a handler says (real perf descriptors it opens
// for the asking process, a refusal, garbage, too few descriptors, silence ...). Software perf
// events work here without a PMU, and the tests run as root.
#pragma once

#include <fcntl.h>
#include <flatbuffers/flatbuffers.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "counter_request_generated.h"

namespace sysring::test {

// A private directory under /tmp (0755, so a setuid-nobody fake can be reached), removed at
// the end.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sysring-pc-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
    ::chmod(path_.c_str(), 0777);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const std::string& str() const { return path_; }
  [[nodiscard]] std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct FakeRequest {
  pid_t peer_pid = 0;
  uid_t peer_uid = 0;
  bool valid = false;  // verified as a CounterRequest with identifier SRQ1
  std::uint16_t version = 0;
  pid_t pid = 0;
  std::vector<std::string> events;
  bool inherit = false, kernel = false, enable_on_exec = false;
};

struct FakeReply {
  std::vector<std::uint8_t> bytes;
  std::vector<int> fds;  // sent as SCM_RIGHTS, then closed by the fake
  bool silent = false;   // keep the connection open and never answer
  bool hang_up = false;  // close the connection without a reply
};

using FakeHandler = std::function<FakeReply(const FakeRequest&)>;

inline std::vector<std::uint8_t> error_reply(const std::string& reason, std::uint16_t version = 1) {
  flatbuffers::FlatBufferBuilder fbb;
  const auto text = fbb.CreateString(reason);
  fbb.Finish(wire::CreateCounterReply(fbb, version, text), "SRP1");
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

inline std::vector<std::uint8_t> counters_reply(const std::vector<std::string>& names,
                                                bool kernel = false, std::uint16_t version = 1) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<wire::GrantedCounter>> list;
  for (const std::string& n : names) {
    list.push_back(
        wire::CreateGrantedCounter(fbb, fbb.CreateString(n), PERF_TYPE_SOFTWARE, 0, kernel));
  }
  const auto vec = fbb.CreateVector(list);
  fbb.Finish(wire::CreateCounterReply(fbb, version, 0, vec), "SRP1");
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

// The software events the fake can open; nullopt for any other name (a machine without a PMU).
inline std::optional<std::uint64_t> software_config(const std::string& name) {
  if (name == "task-clock") return PERF_COUNT_SW_TASK_CLOCK;
  if (name == "cpu-clock") return PERF_COUNT_SW_CPU_CLOCK;
  if (name == "page-faults") return PERF_COUNT_SW_PAGE_FAULTS;
  if (name == "context-switches" || name == "cs") return PERF_COUNT_SW_CONTEXT_SWITCHES;
  if (name == "cpu-migrations") return PERF_COUNT_SW_CPU_MIGRATIONS;
  return std::nullopt;
}

// Opens a software event the way the broker does (docs/PROCESS_COUNTERS.md, "The descriptors").
inline int open_software_event(std::uint64_t config, pid_t pid, bool enable_on_exec, bool inherit) {
  perf_event_attr attr{};
  attr.type = PERF_TYPE_SOFTWARE;
  attr.size = sizeof attr;
  attr.config = config;
  attr.read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  attr.disabled = 1;
  attr.enable_on_exec = enable_on_exec ? 1 : 0;
  attr.inherit = inherit ? 1 : 0;
  attr.exclude_kernel = 1;
  attr.exclude_hv = 1;
  return static_cast<int>(::syscall(SYS_perf_event_open, &attr, pid, -1, -1, PERF_FLAG_FD_CLOEXEC));
}

// Whether this process may open a software perf event on itself at all (perf_event_paranoid 3
// or a seccomp filter can forbid it): the fake cannot hand over what it cannot open.
inline bool software_perf_available() {
  const int fd = open_software_event(PERF_COUNT_SW_TASK_CLOCK, 0, false, false);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// Grants every software event for the target (pid 0: the asking process), refuses the rest with
// "cannot open NAME ..." as the broker does on a machine without a PMU.
inline FakeReply grant_software(const FakeRequest& r) {
  FakeReply reply;
  const pid_t target = r.pid != 0 ? r.pid : r.peer_pid;
  for (const std::string& e : r.events) {
    const std::optional<std::uint64_t> config = software_config(e);
    const int fd = config ? open_software_event(*config, target, r.enable_on_exec, r.inherit) : -1;
    if (fd < 0) {
      for (const int open_fd : reply.fds) ::close(open_fd);
      return {error_reply("cannot open " + e + " for pid " + std::to_string(target) +
                          ": No such file or directory"),
              {}};
    }
    reply.fds.push_back(fd);
  }
  reply.bytes = counters_reply(r.events);
  return reply;
}

inline FakeRequest decode_request(const std::uint8_t* data, std::size_t size) {
  FakeRequest r;
  flatbuffers::Verifier verifier(data, size, 8, 64);
  if (size < 8 || !verifier.VerifyBuffer<wire::CounterRequest>("SRQ1")) return r;
  const auto* req = flatbuffers::GetRoot<wire::CounterRequest>(data);
  r.valid = true;
  r.version = req->version();
  r.pid = req->pid();
  if (req->events() != nullptr) {
    for (const auto* e : *req->events()) r.events.push_back(e->str());
  }
  r.inherit = req->inherit();
  r.kernel = req->kernel();
  r.enable_on_exec = req->enable_on_exec();
  return r;
}

inline int listen_seqpacket(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ::unlink(path.c_str());
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 16) != 0) {
    throw std::runtime_error("fake broker: cannot listen on " + path + ": " + std::strerror(errno));
  }
  ::chmod(path.c_str(), 0666);
  return fd;
}

inline void send_reply(int conn, const FakeReply& reply) {
  iovec iov{const_cast<std::uint8_t*>(reply.bytes.data()), reply.bytes.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control;
  if (!reply.fds.empty()) {
    control.resize(CMSG_SPACE(sizeof(int) * reply.fds.size()));
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * reply.fds.size());
    std::memcpy(CMSG_DATA(c), reply.fds.data(), sizeof(int) * reply.fds.size());
  }
  (void)::sendmsg(conn, &msg, MSG_NOSIGNAL);
}

// Serves `path` from a thread until destroyed.
class FakeBroker {
 public:
  FakeBroker(std::string path, FakeHandler handler)
      : path_(std::move(path)), handler_(std::move(handler)) {
    listen_fd_ = listen_seqpacket(path_);
    if (::pipe2(stop_, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeBroker() {
    (void)::write(stop_[1], "x", 1);
    thread_.join();
    for (const int fd : held_) ::close(fd);
    ::close(listen_fd_);
    ::close(stop_[0]);
    ::close(stop_[1]);
    ::unlink(path_.c_str());
  }
  FakeBroker(const FakeBroker&) = delete;
  FakeBroker& operator=(const FakeBroker&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] int connections() const { return connections_.load(); }
  // Waits (up to 5 s) until `n` connections were answered and closed by the fake.
  void wait_served(int n) const {
    for (int i = 0; i < 5000 && served_.load() < n; ++i) ::usleep(1000);
  }
  [[nodiscard]] std::vector<FakeRequest> requests() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  void serve() {
    for (;;) {
      pollfd p[2] = {{listen_fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
      if (::poll(p, 2, -1) < 0) continue;
      if (p[1].revents != 0) return;
      const int conn = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) continue;
      ++connections_;
      ucred cred{};
      socklen_t len = sizeof cred;
      ::getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len);
      std::vector<std::uint8_t> buf(8192);
      pollfd in{conn, POLLIN, 0};
      ssize_t n = ::poll(&in, 1, 2000) > 0 ? ::recv(conn, buf.data(), buf.size(), 0) : -1;
      FakeRequest request = decode_request(buf.data(), n > 0 ? static_cast<std::size_t>(n) : 0);
      request.peer_pid = cred.pid;
      request.peer_uid = cred.uid;
      {
        const std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(request);
      }
      FakeReply reply = handler_(request);
      if (reply.silent) {
        held_.push_back(conn);
        continue;
      }
      if (!reply.hang_up) send_reply(conn, reply);
      for (const int fd : reply.fds) ::close(fd);
      ::close(conn);
      ++served_;
    }
  }

  std::string path_;
  FakeHandler handler_;
  int listen_fd_ = -1;
  int stop_[2] = {-1, -1};
  std::thread thread_;
  std::vector<int> held_;
  std::atomic<int> connections_{0};
  std::atomic<int> served_{0};
  mutable std::mutex mutex_;
  std::vector<FakeRequest> requests_;
};

// Descriptors open in this process now (to prove nothing leaks).
inline std::size_t open_fd_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

}  // namespace sysring::test
