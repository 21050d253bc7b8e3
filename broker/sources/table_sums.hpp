// Kernel tables whose scalars are sums over their lines. Pure: text in, totals out, no I/O and
// no allocation.
//
// /proc/net/stat/nf_conntrack: a header naming the columns, then one line per CPU of hex fields,
// summed column by column. Columns are found by name (kernels add and drop some):
//   "entries  clashres found new invalid ignore ... search_restart"
//   "00000000  00000000 00000003 00000000 00000001 ..."
//
// /proc/net/udp and /proc/net/udp6: a header, then one line per socket whose fifth field is
// "tx_queue:rx_queue" in hex bytes, summed over the sockets:
//   "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when ..."
//   "  123: 00000000:0044 00000000:0000 07 00000000:00000200 00:00000000 ..."
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sysring::broker {

inline constexpr std::array<std::string_view, 8> kConntrackStatFields = {
    "found",         "invalid", "ignore",     "insert",
    "insert_failed", "drop",    "early_drop", "search_restart"};

struct ConntrackStatTotals {
  std::array<std::uint64_t, kConntrackStatFields.size()> sums{};
  std::array<bool, kConntrackStatFields.size()> present{};  // the header names the column
  bool malformed = false;  // no header, or a CPU line short of a named column or not hex
};

ConntrackStatTotals sum_conntrack_stat(std::string_view text);

struct UdpQueueTotals {
  std::uint64_t tx = 0;
  std::uint64_t rx = 0;
  bool malformed = false;  // a socket line without a "tx:rx" field of hex numbers
};

UdpQueueTotals sum_udp_queues(std::string_view text);

// "0000001f" -> 31: the whole token, base 16, no prefix; false when it is not one.
bool parse_hex_u64(std::string_view token, std::uint64_t& out);

}  // namespace sysring::broker
