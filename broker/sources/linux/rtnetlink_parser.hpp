// The reply to an rtnetlink RTM_GETLINK dump, parsed in place: bytes in, one record per network
// interface. Pure and portable: the layouts below are restated here (the Linux build checks them
// against <linux/rtnetlink.h>), values are in host byte order as the kernel sends them.
//
//   message   nlmsghdr {u32 len, u16 type, u16 flags, u32 seq, u32 pid}, then its payload; the
//             next message starts at NLMSG_ALIGN(len) (a multiple of 4)
//     RTM_NEWLINK (16)   ifinfomsg {u8 family, u8 pad, u16 type, i32 index, u32 flags,
//                        u32 change}, then attributes up to len: one link
//     NLMSG_NOOP (1)     skipped
//     NLMSG_ERROR (2)    i32 -errno: the dump failed
//     NLMSG_DONE (3)     i32 0, or -errno when the kernel stopped the dump early: the end
//     NLMSG_OVERRUN (4)  messages were lost: the dump failed (ENOBUFS)
//     other types        skipped
//   attribute rtattr {u16 len, u16 type}, then its payload; the next at RTA_ALIGN(len) (4)
//
// Bounds: a header shorter than its struct, a length below its header's or past the bytes (or
// past its message, for an attribute), and an attribute this parser reads whose payload is too
// short all make the dump kMalformed and stop the walk: nothing past the bytes is ever read.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "netdev_parser.hpp"

namespace sysring::broker::linux_instances {

namespace rtnetlink {

inline constexpr std::size_t kMessageHeaderBytes = 16;   // struct nlmsghdr
inline constexpr std::size_t kIfinfoBytes = 16;          // struct ifinfomsg
inline constexpr std::size_t kAttributeHeaderBytes = 4;  // struct rtattr

inline constexpr std::uint16_t kNoop = 1;      // NLMSG_NOOP
inline constexpr std::uint16_t kError = 2;     // NLMSG_ERROR
inline constexpr std::uint16_t kDone = 3;      // NLMSG_DONE
inline constexpr std::uint16_t kOverrun = 4;   // NLMSG_OVERRUN
inline constexpr std::uint16_t kNewLink = 16;  // RTM_NEWLINK
inline constexpr std::uint16_t kGetLink = 18;  // RTM_GETLINK (the request)

inline constexpr std::uint16_t kFlagRequest = 0x1;           // NLM_F_REQUEST
inline constexpr std::uint16_t kFlagDumpInterrupted = 0x10;  // NLM_F_DUMP_INTR
inline constexpr std::uint16_t kFlagDump = 0x300;            // NLM_F_DUMP (ROOT | MATCH)

// The IFLA_* attributes read here (uapi <linux/if_link.h>).
inline constexpr std::uint16_t kAddress = 1;            // IFLA_ADDRESS: hardware address bytes
inline constexpr std::uint16_t kBroadcast = 2;          // IFLA_BROADCAST: likewise
inline constexpr std::uint16_t kIfname = 3;             // IFLA_IFNAME: NUL-terminated string
inline constexpr std::uint16_t kMtu = 4;                // IFLA_MTU: u32
inline constexpr std::uint16_t kTxQueueLen = 13;        // IFLA_TXQLEN: u32
inline constexpr std::uint16_t kOperstate = 16;         // IFLA_OPERSTATE: u8, IF_OPER_*
inline constexpr std::uint16_t kIfalias = 20;           // IFLA_IFALIAS: string, only when set
inline constexpr std::uint16_t kStats64 = 23;           // IFLA_STATS64: struct rtnl_link_stats64
inline constexpr std::uint16_t kCarrier = 33;           // IFLA_CARRIER: u8
inline constexpr std::uint16_t kCarrierChanges = 35;    // IFLA_CARRIER_CHANGES: u32
inline constexpr std::uint16_t kCarrierUpCount = 47;    // IFLA_CARRIER_UP_COUNT: u32
inline constexpr std::uint16_t kCarrierDownCount = 48;  // IFLA_CARRIER_DOWN_COUNT: u32
// An attribute's type without NLA_F_NESTED and NLA_F_NET_BYTEORDER.
inline constexpr std::uint16_t kAttributeTypeMask = 0x3fff;

inline constexpr std::uint32_t kIffUp = 0x1;  // IFF_UP in ifi_flags

// NLMSG_ALIGN and RTA_ALIGN: both round up to 4 bytes.
constexpr std::size_t align4(std::size_t n) {
  return (n + 3) & ~std::size_t{3};
}

// The leading fields of struct rtnl_link_stats64, in the kernel's order, up to tx_compressed:
// the ones /proc/net/dev prints. Kernels append fields (rx_nohandler, ...); older ones end at
// tx_compressed, so a payload at least this long has all of them.
struct LinkStats64 {
  std::uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes, rx_errors, tx_errors, rx_dropped,
      tx_dropped, multicast, collisions;
  std::uint64_t rx_length_errors, rx_over_errors, rx_crc_errors, rx_frame_errors, rx_fifo_errors,
      rx_missed_errors;
  std::uint64_t tx_aborted_errors, tx_carrier_errors, tx_fifo_errors, tx_heartbeat_errors,
      tx_window_errors;
  std::uint64_t rx_compressed, tx_compressed;
};
static_assert(sizeof(LinkStats64) == std::size_t{23} * 8);
// rx_nohandler follows tx_compressed (4.6+): a payload this long has it.
inline constexpr std::size_t kStats64WithNohandlerBytes = std::size_t{24} * 8;

// The 16 fields of an interface's /proc/net/dev line (see netdev_parser.hpp) from its stats.
std::array<std::uint64_t, kNetdevFields> netdev_fields(const LinkStats64& s);

}  // namespace rtnetlink

// The attributes of a link message that a LinkRecord may lack.
enum class LinkAttribute : std::uint8_t {
  kOperstate,
  kCarrier,
  kCarrierChanges,
  kMtu,
  kTxQueueLen,
  kStats64,
  kRxNohandler,  // IFLA_STATS64 long enough for rx_nohandler
  kCarrierUpCount,
  kCarrierDownCount,
};

// One RTM_NEWLINK message. Views point into the parsed bytes.
struct LinkRecord {
  std::string_view name;                 // IFLA_IFNAME up to its NUL; empty when absent
  std::int32_t index = 0;                // ifi_index
  std::uint32_t flags = 0;               // ifi_flags: IFF_* bits (see netif_instances.hpp)
  std::uint8_t operstate = 0;            // IFLA_OPERSTATE: IF_OPER_* code
  std::uint8_t carrier = 0;              // IFLA_CARRIER: 1 when the link has carrier
  std::uint32_t carrier_changes = 0;     // IFLA_CARRIER_CHANGES
  std::uint32_t mtu = 0;                 // IFLA_MTU
  std::uint32_t tx_queue_len = 0;        // IFLA_TXQLEN
  std::uint32_t carrier_up_count = 0;    // IFLA_CARRIER_UP_COUNT
  std::uint32_t carrier_down_count = 0;  // IFLA_CARRIER_DOWN_COUNT
  std::uint64_t rx_nohandler = 0;        // IFLA_STATS64's rx_nohandler
  // IFLA_ADDRESS, IFLA_BROADCAST (dev_addr and broadcast, addr_len bytes; empty when the
  // interface has none, as for tunnels) and IFLA_IFALIAS up to its NUL (empty when unset).
  std::span<const std::byte> address;
  std::span<const std::byte> broadcast;
  std::string_view alias;
  // IFLA_STATS64 as /proc/net/dev prints it: rx bytes packets errs drop fifo frame compressed
  // multicast, tx bytes packets errs drop fifo colls carrier compressed.
  std::array<std::uint64_t, kNetdevFields> netdev{};
  std::uint32_t present = 0;  // a bit per LinkAttribute the message carried

  [[nodiscard]] bool has(LinkAttribute a) const {
    return (present >> static_cast<unsigned>(a) & 1U) != 0;
  }
};

// How a walk over dump bytes ended, once LinkDumpReader::next() returned false.
enum class DumpStatus : std::uint8_t {
  kDone,        // NLMSG_DONE without an error: every link before it was read
  kUnfinished,  // the bytes ended between two messages, before NLMSG_DONE
  kFailed,      // NLMSG_ERROR, NLMSG_OVERRUN or an NLMSG_DONE carrying an error: see error()
  kMalformed,   // a length out of bounds (see the top of this file): the walk stopped there
};

// Iterates the links of one dump reply.
class LinkDumpReader {
 public:
  explicit LinkDumpReader(std::span<const std::byte> bytes) : rest_(bytes) {}

  // The next link; false at the end of the dump, or where it cannot go on (see status()).
  bool next(LinkRecord& out);

  [[nodiscard]] DumpStatus status() const { return status_; }
  // The errno value of a kFailed dump; 0 otherwise.
  [[nodiscard]] int error() const { return error_; }
  // Whether a message read so far had NLM_F_DUMP_INTR: the interface list changed during the
  // dump, so the dump may miss an interface or hold one that is gone.
  [[nodiscard]] bool interrupted() const { return interrupted_; }

 private:
  bool stop(DumpStatus status, int error = 0);

  std::span<const std::byte> rest_;
  DumpStatus status_ = DumpStatus::kUnfinished;
  int error_ = 0;
  bool interrupted_ = false;
  bool stopped_ = false;
};

// What one received chunk of a dump holds, for the reader of a socket that must know when the
// dump ends. Checks the message headers only (not the attributes).
struct ChunkScan {
  bool ends_dump = false;    // it holds an NLMSG_DONE, NLMSG_ERROR or NLMSG_OVERRUN
  bool malformed = false;    // a header out of bounds, or a message of another request (seq)
  bool interrupted = false;  // a message had NLM_F_DUMP_INTR
};
ChunkScan scan_chunk(std::span<const std::byte> chunk, std::uint32_t seq);

}  // namespace sysring::broker::linux_instances
