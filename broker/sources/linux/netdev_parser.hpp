// The interface lines of /proc/net/dev, parsed in place: bytes in, one record per interface.
//
//   "Inter-|   Receive ...|  Transmit"         header lines (no ':'): skipped
//   "  eth0: 18727492 606 0 0 0 0 0 0 34577 442 0 0 0 0 0 0"
//        -> {name "eth0", fields {18727492, 606, ...}, field_count 16}
//   "eth0:123 ..."                             older kernels print no space after the colon
// Fields in order: rx bytes packets errs drop fifo frame compressed multicast, then tx bytes
// packets errs drop fifo colls carrier compressed. An interface name cannot hold ':' or
// whitespace, so the first ':' ends it. A line with an empty or spaced name, or without a single
// field, is malformed and skipped; a field that is not a number ends the line's fields there.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sysring::broker::linux_instances {

inline constexpr std::size_t kNetdevFields = 16;

struct NetdevLine {
  std::string_view name;  // "eth0", "wlp0s20f3", "veth1a2b3c4"
  std::array<std::uint64_t, kNetdevFields> fields{};
  std::size_t field_count = 0;
};

// Iterates the interface lines of one read of /proc/net/dev. Views point into `text`.
class NetdevLineReader {
 public:
  explicit NetdevLineReader(std::string_view text) : rest_(text) {}
  bool next(NetdevLine& out);

 private:
  std::string_view rest_;
};

}  // namespace sysring::broker::linux_instances
