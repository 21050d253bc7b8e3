// The reply datagram: a CounterReply FlatBuffer, identifier "SRP1" (docs/PROCESS_COUNTERS.md,
// "The exchange" 5). The descriptors travel beside it as SCM_RIGHTS (request_server.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sysring::broker::requests {

struct GrantedCounterInfo {
  std::string name;  // as requested
  std::uint32_t type = 0;
  std::uint64_t config = 0;
  bool kernel = false;
};

[[nodiscard]] std::vector<std::uint8_t> encode_error_reply(std::string_view error);
[[nodiscard]] std::vector<std::uint8_t> encode_counters_reply(
    const std::vector<GrantedCounterInfo>& counters);

}  // namespace sysring::broker::requests
