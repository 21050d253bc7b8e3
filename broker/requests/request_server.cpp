#include "requests/request_server.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "log.hpp"
#include "requests/counter_reply.hpp"
#include "requests/request_decoder.hpp"
#include "sysring/errno_text.hpp"

namespace sysring::broker::requests {
namespace {

std::uint64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

// One datagram with the descriptors beside it. False when the caller is gone or not reading.
bool send_reply(int fd, const Reply& reply) {
  iovec iov{};
  iov.iov_base = const_cast<std::uint8_t*>(reply.bytes.data());
  iov.iov_len = reply.bytes.size();
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control;
  if (!reply.fds.empty()) {
    const std::size_t payload = reply.fds.size() * sizeof(int);
    control.assign(CMSG_SPACE(payload), 0);
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(payload);
    std::memcpy(CMSG_DATA(cmsg), reply.fds.data(), payload);
  }
  while (true) {
    const ssize_t n = ::sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n >= 0) return static_cast<std::size_t>(n) == reply.bytes.size();
    if (errno != EINTR) return false;
  }
}

}  // namespace

RequestServer::RequestServer(RequestSocket socket, std::unique_ptr<RequestHandler> handler)
    : socket_(std::move(socket)), handler_(std::move(handler)) {
  connections_.reserve(kMaxConnections);
}

RequestServer::~RequestServer() {
  stop();
}

void RequestServer::start() {
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0)
    throw std::runtime_error(std::string("requests: eventfd: ") + errno_text(errno));
  // The stop signals stay the tick thread's: its sleep is what they must interrupt.
  sigset_t blocked;
  sigset_t previous;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGINT);
  sigaddset(&blocked, SIGTERM);
  sigaddset(&blocked, SIGHUP);
  ::pthread_sigmask(SIG_BLOCK, &blocked, &previous);
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::exception& e) {
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    throw std::runtime_error(std::string("requests: thread: ") + e.what());
  }
  ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

void RequestServer::stop() noexcept {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    (void)!::write(stop_fd_, &one, sizeof one);
    thread_.join();
  }
  for (const Connection& c : connections_) ::close(c.fd);
  connections_.clear();
  if (stop_fd_ >= 0) {
    ::close(stop_fd_);
    stop_fd_ = -1;
  }
  socket_.remove();
}

void RequestServer::accept_connections() {
  while (connections_.size() < kMaxConnections) {
    const int fd = ::accept4(socket_.fd(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        log::debug(std::string("requests: accept: ") + errno_text(errno));
      }
      return;
    }
    ucred cred{};
    socklen_t length = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) != 0) {
      ::close(fd);
      continue;
    }
    connections_.push_back({fd, now_ns() + kConnectionDeadlineNs,
                            Caller{.uid = cred.uid, .gid = cred.gid, .pid = cred.pid}});
  }
}

void RequestServer::serve(Connection& c) {
  // One byte more than the limit, to tell a message that is too long (SEQPACKET truncates).
  std::uint8_t buffer[kMaxRequestBytes + 1];
  iovec iov{buffer, sizeof buffer};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  // No control buffer: descriptors a caller sends are discarded by the kernel, never installed.
  ssize_t n;
  do {
    n = ::recvmsg(c.fd, &msg, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // spurious: keep waiting
  if (n > 0) {
    Reply reply;
    if ((msg.msg_flags & MSG_TRUNC) != 0 || static_cast<std::size_t>(n) > kMaxRequestBytes) {
      reply.bytes = encode_error_reply("bad request: more than " +
                                       std::to_string(kMaxRequestBytes) + " bytes");
      reply.refusal = "oversized";
    } else {
      reply = handler_->handle(c.caller, {buffer, static_cast<std::size_t>(n)});
    }
    if (!send_reply(c.fd, reply)) {
      log::debug("requests: pid " + std::to_string(c.caller.pid) + " left before its reply");
    }
    handler_->release(reply);
    served_.fetch_add(1, std::memory_order_relaxed);
    log::debug("requests: uid " + std::to_string(c.caller.uid) + " pid " +
               std::to_string(c.caller.pid) + ": " +
               (reply.refusal.empty() ? std::string("granted") : reply.refusal));
  }
  // n == 0 (the caller hung up), an error, or the reply sent: done with this connection.
  ::close(c.fd);
  c.fd = -1;
}

void RequestServer::run() {
  std::vector<pollfd> fds;
  fds.reserve(kMaxConnections + 2);
  while (true) {
    fds.clear();
    fds.push_back({stop_fd_, POLLIN, 0});
    const bool room = connections_.size() < kMaxConnections;
    fds.push_back({room ? socket_.fd() : -1, POLLIN, 0});
    std::uint64_t next_deadline = UINT64_MAX;
    for (const Connection& c : connections_) {
      fds.push_back({c.fd, POLLIN, 0});
      next_deadline = std::min(next_deadline, c.deadline_ns);
    }
    int timeout_ms = -1;
    if (next_deadline != UINT64_MAX) {
      const std::uint64_t now = now_ns();
      timeout_ms =
          next_deadline <= now ? 0 : static_cast<int>((next_deadline - now + 999'999) / 1'000'000);
    }
    const int ready = ::poll(fds.data(), fds.size(), timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      log::error(std::string("requests: poll: ") + errno_text(errno) + "; serving no more");
      return;
    }
    if ((fds[0].revents & POLLIN) != 0) return;
    for (std::size_t i = 0; i < connections_.size(); ++i) {
      if (fds[i + 2].revents != 0) serve(connections_[i]);
    }
    const std::uint64_t now = now_ns();
    for (Connection& c : connections_) {
      if (c.fd >= 0 && c.deadline_ns <= now) {
        ::close(c.fd);  // silent for 1 s: no reply
        c.fd = -1;
      }
    }
    std::erase_if(connections_, [](const Connection& c) { return c.fd < 0; });
    if (room && (fds[1].revents & POLLIN) != 0) accept_connections();
  }
}

}  // namespace sysring::broker::requests
