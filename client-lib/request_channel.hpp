// The client's half of the broker's request socket (docs/PROCESS_COUNTERS.md): one
// CounterRequest out, one CounterReply and its SCM_RIGHTS descriptors back. Internal to
// libsysring (and its tests).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "shm_object.hpp"

namespace sysring::detail {

inline constexpr std::size_t kMaxRequestBytes = 4096;
inline constexpr std::size_t kMaxReplyBytes =
    std::size_t{64} * 1024;  // far above 16 counters' names
inline constexpr std::size_t kMaxCounterEvents = 16;
inline constexpr std::size_t kMaxEventNameBytes = 128;
inline constexpr std::uint16_t kProtocolVersion = 1;

struct CounterRequestSpec {
  pid_t pid = 0;  // 0: the caller
  std::vector<std::string> events;
  bool inherit = true;
  bool kernel = false;
  bool enable_on_exec = false;
};

// One granted counter and its descriptor.
struct GrantedCounter {
  std::string name;
  std::uint32_t type = 0;
  std::uint64_t config = 0;
  bool kernel = false;
  UniqueFd fd;
};

// The request's bytes (identifier "SRQ1"). Throws Error(kSystem) for a spec the broker would
// refuse as malformed (no events, more than 16, a name over 128 bytes, pid < 0).
std::vector<std::uint8_t> build_counter_request(const CounterRequestSpec& spec);

// Judges one received reply: verified with the FlatBuffers Verifier (identifier "SRP1"), an
// `error` becomes Error(kRefused, "the broker refused: REASON"), else one descriptor per counter,
// in order, named as asked. Takes the descriptors over: every one not returned is closed.
// Throws Error(kRefused / kProtocol).
std::vector<GrantedCounter> parse_counter_reply(std::span<const std::uint8_t> reply,
                                                std::vector<UniqueFd> fds,
                                                const CounterRequestSpec& spec);

// Whether `peer` may be the broker: `expected` (or root), or with no expectation the segments'
// default trust rule (root, the installation's broker user, the caller).
bool trusted_peer(uid_t peer, std::optional<uid_t> expected);

// The whole exchange on `socket_path` within `timeout`: connect (non-blocking), check the
// server's SO_PEERCRED uid, send, receive (room for 16 descriptors, MSG_CMSG_CLOEXEC), parse.
// Throws Error: kUnreachable (no socket, refused, timed out), kForeignOwner (untrusted server),
// kRefused, kProtocol (truncated, malformed, wrong descriptor count), kSystem.
std::vector<GrantedCounter> request_counters(const std::string& socket_path,
                                             std::optional<uid_t> expected_uid,
                                             const CounterRequestSpec& spec,
                                             std::chrono::milliseconds timeout);

}  // namespace sysring::detail
