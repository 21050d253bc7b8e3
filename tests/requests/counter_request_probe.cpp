// A raw client of the broker's request socket for request_server_itest.py: builds one
// CounterRequest with the generated FlatBuffers code (no client library), sends it, receives the
// reply and its SCM_RIGHTS descriptors, and prints what came back. It checks nothing about the
// broker's identity: the client library does that (client-lib/request_channel.cpp).
//
//   counter_request_probe SOCKET [--pid N] [--events a,b] [--kernel] [--inherit]
//                         [--version V] [--garbage] [--silent] [--read-ms MS] [--repeat N]
// Prints "granted NAME:TYPE:CONFIG:KERNEL ..." or "error: LINE"; with --read-ms, enables the first
// counter, sleeps, and prints "count V1 V2" (two reads MS apart, or more until it grew). Exit 0
// granted, 3 refused, 4 transport or protocol failure. --repeat N: N requests, then "granted G
// refused R failed F".
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <flatbuffers/flatbuffers.h>

#include "counter_request_generated.h"

namespace {

struct Options {
  std::string socket;
  int pid = 0;
  std::vector<std::string> events{"task-clock"};
  bool kernel = false;
  bool inherit = false;
  int version = 1;
  bool garbage = false;
  bool silent = false;  // connect and send nothing (the 1 s deadline)
  int read_ms = 0;
  int repeat = 1;
};

std::vector<std::uint8_t> build(const Options& o) {
  if (o.garbage) return {'h', 'e', 'l', 'l', 'o', 0, 1, 2, 3, 4, 5, 6, 7, 'S', 'R', 'Q'};
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<flatbuffers::Offset<flatbuffers::String>> names;
  for (const auto& e : o.events) names.push_back(fbb.CreateString(e));
  const auto list = fbb.CreateVector(names);
  const auto root = sysring::wire::CreateCounterRequest(fbb, static_cast<std::uint16_t>(o.version),
                                                        o.pid, list, o.inherit, o.kernel, false);
  fbb.Finish(root, "SRQ1");
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

struct Result {
  int status = 4;  // 0 granted, 3 refused, 4 failed
  std::string line;
  std::vector<int> fds;
};

Result ask(const Options& o) {
  Result r;
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", o.socket.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    r.line = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return r;
  }
  if (!o.silent) {
    const auto bytes = build(o);
    if (::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) < 0) {
      r.line = std::string("send: ") + std::strerror(errno);
      ::close(fd);
      return r;
    }
  }
  std::uint8_t buffer[8192];
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 32)];
  iovec iov{buffer, sizeof buffer};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  const ssize_t n = ::recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  ::close(fd);
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); n > 0 && c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (std::size_t i = 0; i < count; ++i) {
        int got;
        std::memcpy(&got, CMSG_DATA(c) + i * sizeof(int), sizeof got);
        r.fds.push_back(got);
      }
    }
  }
  if (n <= 0) {
    r.line = n == 0 ? "closed without a reply" : std::string("recvmsg: ") + std::strerror(errno);
    return r;
  }
  flatbuffers::Verifier verifier(buffer, static_cast<std::size_t>(n));
  if (!flatbuffers::BufferHasIdentifier(buffer, "SRP1") ||
      !verifier.VerifyBuffer<sysring::wire::CounterReply>("SRP1")) {
    r.line = "reply does not verify";
    return r;
  }
  const auto* reply = flatbuffers::GetRoot<sysring::wire::CounterReply>(buffer);
  if (reply->error() != nullptr) {
    r.status = 3;
    r.line = "error: " + reply->error()->str();
    return r;
  }
  r.line = "granted";
  const std::size_t count = reply->counters() ? reply->counters()->size() : 0;
  for (std::size_t i = 0; i < count; ++i) {
    const auto* c = reply->counters()->Get(static_cast<flatbuffers::uoffset_t>(i));
    r.line += " " + (c->name() ? c->name()->str() : std::string("?")) + ":" +
              std::to_string(c->type()) + ":" + std::to_string(c->config()) + ":" +
              (c->kernel() ? "kernel" : "user");
  }
  if (count != r.fds.size()) {
    r.line += " (" + std::to_string(r.fds.size()) + " descriptors for " + std::to_string(count) +
              " counters)";
    return r;
  }
  r.status = 0;
  return r;
}

std::uint64_t read_value(int fd) {
  std::uint64_t v[3] = {0, 0, 0};
  if (::read(fd, v, sizeof v) != sizeof v) return ~0ULL;
  return v[0];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: counter_request_probe SOCKET [options]\n");
    return 2;
  }
  Options o;
  o.socket = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--pid")
      o.pid = std::atoi(next().c_str());
    else if (a == "--events") {
      o.events.clear();
      std::string list = next();
      std::size_t start = 0;
      while (true) {
        const auto comma = list.find(',', start);
        o.events.push_back(list.substr(start, comma == std::string::npos ? comma : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (a == "--kernel")
      o.kernel = true;
    else if (a == "--inherit")
      o.inherit = true;
    else if (a == "--version")
      o.version = std::atoi(next().c_str());
    else if (a == "--garbage")
      o.garbage = true;
    else if (a == "--silent")
      o.silent = true;
    else if (a == "--read-ms")
      o.read_ms = std::atoi(next().c_str());
    else if (a == "--repeat")
      o.repeat = std::atoi(next().c_str());
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (o.repeat > 1) {
    int granted = 0, refused = 0, failed = 0;
    for (int i = 0; i < o.repeat; ++i) {
      Result r = ask(o);
      for (const int fd : r.fds) ::close(fd);
      (r.status == 0 ? granted : r.status == 3 ? refused : failed)++;
      if (r.status == 4 && failed == 1) std::printf("first failure: %s\n", r.line.c_str());
    }
    std::printf("granted %d refused %d failed %d\n", granted, refused, failed);
    return failed == 0 ? 0 : 4;
  }
  Result r = ask(o);
  std::printf("%s\n", r.line.c_str());
  if (r.status == 0 && o.read_ms > 0 && !r.fds.empty()) {
    ::ioctl(r.fds[0], PERF_EVENT_IOC_ENABLE, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(o.read_ms));
    const std::uint64_t first = read_value(r.fds[0]);
    // A loaded machine may not run the target for a while: up to 25 more periods for it to grow.
    std::uint64_t second = first;
    for (int i = 0; i < 25 && second == first; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(o.read_ms));
      second = read_value(r.fds[0]);
    }
    std::printf("count %llu %llu\n", static_cast<unsigned long long>(first),
                static_cast<unsigned long long>(second));
  }
  for (const int fd : r.fds) ::close(fd);
  std::fflush(stdout);
  return r.status;
}
