// Bytes of one request datagram -> a validated request, or the one-line reason it is refused
// (docs/PROCESS_COUNTERS.md, "The exchange" 4 and "Checks" 1). Portable, no system calls: this
// is what fuzz/targets/counter_request_fuzz.cpp feeds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace sysring::broker::requests {

inline constexpr std::size_t kMaxRequestBytes = 4096;
inline constexpr std::uint16_t kProtocolVersion = 1;
inline constexpr std::size_t kMaxEvents = 16;
inline constexpr std::size_t kMaxEventNameBytes = 128;
inline constexpr char kRequestIdentifier[] = "SRQ1";
inline constexpr char kReplyIdentifier[] = "SRP1";

struct CounterRequest {
  std::int32_t pid = 0;  // 0: the caller itself (its SO_PEERCRED pid)
  std::vector<std::string> events;
  bool inherit = false;
  bool kernel = false;
  bool enable_on_exec = false;
};

struct DecodedRequest {
  bool ok = false;
  CounterRequest request;  // when ok
  std::string error;       // when not: "bad request: ..."
};

// FlatBuffers Verifier (depth 8, tables 64) with identifier "SRQ1", then version == 1, 1 to 16
// events of 1 to 128 bytes without a NUL, pid >= 0.
[[nodiscard]] DecodedRequest decode_counter_request(std::span<const std::uint8_t> bytes);

}  // namespace sysring::broker::requests
