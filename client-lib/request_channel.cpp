#include "request_channel.hpp"

#include <flatbuffers/flatbuffers.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <time.h>
#include <cerrno>
#include <climits>
#include <cstring>

#include "broker_user.hpp"
#include "counter_request_generated.h"
#include "sysring/errno_text.hpp"
#include "sysring/error.hpp"

namespace sysring::detail {
namespace {

constexpr char kRequestIdentifier[] = "SRQ1";
constexpr char kReplyIdentifier[] = "SRP1";

[[noreturn]] void protocol(const std::string& what) {
  throw Error(ErrorCode::kProtocol, "bad reply from the broker: " + what);
}

// The broker's text is shown to people: one line, no terminal escapes.
std::string one_line(std::string_view text) {
  std::string out;
  out.reserve(std::min<std::size_t>(text.size(), 512));
  for (const char c : text) {
    if (out.size() >= 512) break;
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? '?' : c;
  }
  return out;
}

#ifdef __linux__
std::int64_t now_ms() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

// Waits for `events` on `fd` until `deadline_ms`; false on timeout.
bool wait_for(int fd, short events, std::int64_t deadline_ms) {
  for (;;) {
    const std::int64_t left = deadline_ms - now_ms();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left, INT_MAX)));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) {
      throw Error(ErrorCode::kSystem, "poll on the broker's request socket: " + errno_text(errno));
    }
  }
}

// A descriptor that is not a perf event would make read() mean something else (a pipe could
// even block): refuse it.
bool is_perf_event(int fd) {
  char link[64];
  char target[64];
  (void)std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  const ssize_t n = ::readlink(link, target, sizeof target - 1);
  if (n < 0) return true;  // no /proc mounted: cannot tell, the read format check still holds
  target[n] = '\0';
  return std::strcmp(target, "anon_inode:[perf_event]") == 0;
}
#endif

}  // namespace

std::vector<std::uint8_t> build_counter_request(const CounterRequestSpec& spec) {
  if (spec.events.empty() || spec.events.size() > kMaxCounterEvents) {
    throw Error(ErrorCode::kSystem, "between 1 and " + std::to_string(kMaxCounterEvents) +
                                        " events may be asked for at once, not " +
                                        std::to_string(spec.events.size()));
  }
  for (const std::string& e : spec.events) {
    if (e.empty() || e.size() > kMaxEventNameBytes || e.find('\0') != std::string::npos) {
      throw Error(ErrorCode::kSystem, "event name '" + one_line(e) + "' is empty or longer than " +
                                          std::to_string(kMaxEventNameBytes) + " bytes");
    }
  }
  if (spec.pid < 0) throw Error(ErrorCode::kSystem, "pid " + std::to_string(spec.pid));
  flatbuffers::FlatBufferBuilder fbb(512);
  std::vector<flatbuffers::Offset<flatbuffers::String>> names;
  names.reserve(spec.events.size());
  for (const std::string& e : spec.events) names.push_back(fbb.CreateString(e));
  const auto list = fbb.CreateVector(names);
  fbb.Finish(wire::CreateCounterRequest(fbb, kProtocolVersion, spec.pid, list, spec.inherit,
                                        spec.kernel, spec.enable_on_exec),
             kRequestIdentifier);
  if (fbb.GetSize() > kMaxRequestBytes) {
    throw Error(ErrorCode::kSystem, "request of " + std::to_string(fbb.GetSize()) +
                                        " bytes exceeds the broker's " +
                                        std::to_string(kMaxRequestBytes));
  }
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

std::vector<GrantedCounter> parse_counter_reply(std::span<const std::uint8_t> reply,
                                                std::vector<UniqueFd> fds,
                                                const CounterRequestSpec& spec) {
  if (reply.size() < 8 || !flatbuffers::BufferHasIdentifier(reply.data(), kReplyIdentifier)) {
    protocol("not a CounterReply (" + std::to_string(reply.size()) +
             " bytes, identifier not SRP1)");
  }
  flatbuffers::Verifier verifier(reply.data(), reply.size(), /*max_depth=*/8, /*max_tables=*/64);
  if (!verifier.VerifyBuffer<wire::CounterReply>(kReplyIdentifier)) {
    protocol("the CounterReply fails verification");
  }
  const auto* r = flatbuffers::GetRoot<wire::CounterReply>(reply.data());
  if (r->version() != kProtocolVersion) {
    protocol("protocol version " + std::to_string(r->version()) + ", expected " +
             std::to_string(kProtocolVersion));
  }
  if (r->error() != nullptr) {
    // Any descriptors that came with a refusal are closed with `fds`.
    const std::string reason = one_line(r->error()->string_view());
    throw Error(ErrorCode::kRefused,
                "the broker refused: " + (reason.empty() ? std::string("(no reason)") : reason));
  }
  if (r->counters() == nullptr) protocol("neither an error nor counters");
  const auto* counters = r->counters();
  if (counters->size() != spec.events.size()) {
    protocol(std::to_string(counters->size()) + " counters for " +
             std::to_string(spec.events.size()) + " events asked");
  }
  if (fds.size() != counters->size()) {
    protocol(std::to_string(fds.size()) + " descriptors for " + std::to_string(counters->size()) +
             " counters");
  }
  std::vector<GrantedCounter> out;
  out.reserve(fds.size());
  for (flatbuffers::uoffset_t i = 0; i < counters->size(); ++i) {
    const wire::GrantedCounter* c = counters->Get(i);
    const std::string name = c->name() ? c->name()->str() : "";
    if (name != spec.events[i]) {
      protocol("counter " + std::to_string(i) + " is '" + one_line(name) + "', asked '" +
               spec.events[i] + "'");
    }
    if (!fds[i].valid()) protocol("descriptor " + std::to_string(i) + " missing");
#ifdef __linux__
    if (!is_perf_event(fds[i].get())) {
      protocol("descriptor " + std::to_string(i) + " is not a perf event");
    }
#endif
    if (c->kernel() && !spec.kernel) {
      protocol("counter " + name + " counts kernel mode, which was not asked");
    }
    out.push_back({name, c->type(), c->config(), c->kernel(), std::move(fds[i])});
  }
  return out;
}

bool trusted_peer(uid_t peer, std::optional<uid_t> expected) {
  if (peer == 0) return true;  // root can forge the segment as well: nothing to gain by refusing
  if (expected) return peer == *expected;
  if (peer == ::getuid()) return true;
  const std::optional<uid_t> broker = local_user_uid(broker_user_name());
  return broker && peer == *broker;
}

#ifdef __linux__

std::vector<GrantedCounter> request_counters(const std::string& path,
                                             std::optional<uid_t> expected_uid,
                                             const CounterRequestSpec& spec,
                                             std::chrono::milliseconds timeout) {
  const std::vector<std::uint8_t> request = build_counter_request(spec);
  const std::int64_t deadline = now_ms() + timeout.count();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    throw Error(ErrorCode::kUnreachable,
                "request socket path '" + one_line(path) + "' is empty or too long");
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sock.valid()) throw Error(ErrorCode::kSystem, "socket: " + errno_text(errno));
  const std::string where = "the broker's request socket " + path;
  if (::connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int err = errno;
    if (err == EINPROGRESS || err == EAGAIN) {
      // A full backlog: wait until the broker accepts, at most until the deadline.
      if (!wait_for(sock.get(), POLLOUT, deadline)) {
        throw Error(ErrorCode::kUnreachable, where + ": the broker did not accept within " +
                                                 std::to_string(timeout.count()) + " ms");
      }
      int so_error = 0;
      socklen_t len = sizeof so_error;
      ::getsockopt(sock.get(), SOL_SOCKET, SO_ERROR, &so_error, &len);
      if (so_error != 0) {
        throw Error(ErrorCode::kUnreachable,
                    "cannot connect to " + where + ": " + errno_text(so_error));
      }
    } else if (err == EACCES || err == EPERM) {
      throw Error(ErrorCode::kPermission,
                  "cannot connect to " + where + ": " + errno_text(err) +
                      " (the broker's [requests] allow setting may exclude you)");
    } else {
      throw Error(ErrorCode::kUnreachable, "cannot connect to " + where + ": " + errno_text(err) +
                                               " (is sysringd serving requests?)");
    }
  }

  ucred peer{};
  socklen_t peer_len = sizeof peer;
  if (::getsockopt(sock.get(), SOL_SOCKET, SO_PEERCRED, &peer, &peer_len) != 0) {
    throw Error(ErrorCode::kSystem, "SO_PEERCRED on " + where + ": " + errno_text(errno));
  }
  if (!trusted_peer(peer.uid, expected_uid)) {
    throw Error(ErrorCode::kForeignOwner,
                where + " is served by uid " + std::to_string(peer.uid) + " (pid " +
                    std::to_string(peer.pid) + "), not the broker's uid " +
                    (expected_uid ? std::to_string(*expected_uid) : std::string("(trusted set)")) +
                    "; refusing it (another user may have squatted the path)");
  }

  for (;;) {
    const ssize_t sent = ::send(sock.get(), request.data(), request.size(), MSG_NOSIGNAL);
    if (sent == static_cast<ssize_t>(request.size())) break;
    if (sent >= 0) protocol("the request was cut short");
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (!wait_for(sock.get(), POLLOUT, deadline)) {
        throw Error(ErrorCode::kUnreachable, where +
                                                 ": the broker did not take the request within " +
                                                 std::to_string(timeout.count()) + " ms");
      }
      continue;
    }
    throw Error(ErrorCode::kUnreachable, "sending to " + where + ": " + errno_text(errno));
  }

  std::vector<std::uint8_t> reply(kMaxReplyBytes);
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxCounterEvents)];
  for (;;) {
    if (!wait_for(sock.get(), POLLIN, deadline)) {
      throw Error(ErrorCode::kUnreachable,
                  where + ": no reply within " + std::to_string(timeout.count()) + " ms");
    }
    iovec iov{reply.data(), reply.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(sock.get(), &msg, MSG_CMSG_CLOEXEC);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      throw Error(ErrorCode::kUnreachable, "receiving from " + where + ": " + errno_text(errno));
    }
    // Own every descriptor first, so each is closed whatever is wrong with the message.
    std::vector<UniqueFd> fds;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int fd = -1;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        fds.emplace_back(fd);
      }
    }
    if ((msg.msg_flags & MSG_CTRUNC) != 0) {
      protocol("more descriptors than the " + std::to_string(kMaxCounterEvents) +
               " a reply may carry (truncated)");
    }
    if ((msg.msg_flags & MSG_TRUNC) != 0)
      protocol("longer than " + std::to_string(kMaxReplyBytes) + " bytes (truncated)");
    if (n == 0) protocol("the broker closed the connection without a reply");
    return parse_counter_reply({reply.data(), static_cast<std::size_t>(n)}, std::move(fds), spec);
  }
}

#else

std::vector<GrantedCounter> request_counters(const std::string&, std::optional<uid_t>,
                                             const CounterRequestSpec&, std::chrono::milliseconds) {
  throw Error(ErrorCode::kUnreachable, "per-process counters through the broker are Linux-only");
}

#endif

}  // namespace sysring::detail
