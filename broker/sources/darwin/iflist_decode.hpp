// sysctl {CTL_NET, PF_ROUTE, 0, 0, NET_RT_IFLIST2, 0} replies as bytes -> one record per
// network interface. Portable (no Apple headers) and tested on Linux with byte fixtures.
//
// The reply is a sequence of routing messages, each starting with u16 msglen, u8 version,
// u8 type (XNU bsd/kern/rtsock.c sysctl_iflist2): per interface one RTM_IFINFO2 message
// (`struct if_msghdr2`, bsd/net/if.h), then an RTM_NEWADDR per address and an RTM_NEWMADDR2 per
// multicast group. Each message is followed by the sockaddrs its `addrs` bitmask names, in RTAX_*
// order, each padded to a multiple of 4 bytes (ROUNDUP32; a zero sa_len still takes 4). The
// RTM_IFINFO2 message carries RTA_IFP: the interface's link-level `struct sockaddr_dl`
// (bsd/net/if_dl.h), whose sdl_data starts with the name (sdl_nlen bytes, no NUL required).
//
// Walking stops at a message header that cannot be trusted (msglen 0 or shorter than the header,
// or running past the reply); an RTM_IFINFO2 message that is too short, of another version or
// without a usable name is skipped. Nothing is read outside the reply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "little_endian.hpp"
#include "sysctl_decode.hpp"

namespace sysring::broker::darwin {

// bsd/net/route.h and bsd/sys/socket.h.
inline constexpr std::uint8_t kRtmVersion = 5;     // RTM_VERSION
inline constexpr std::uint8_t kRtmIfinfo = 0x0e;   // RTM_IFINFO: struct if_msghdr (not ours)
inline constexpr std::uint8_t kRtmIfinfo2 = 0x12;  // RTM_IFINFO2: struct if_msghdr2
inline constexpr std::uint32_t kRtaIfp = 0x10;     // RTA_IFP
inline constexpr std::uint32_t kRtaxIfp = 4;       // RTAX_IFP: sockaddrs 0..3 may precede it
inline constexpr std::uint8_t kAfLink = 18;        // AF_LINK
// bsd/net/if.h: the kernel passes (u_short)if_flags in ifm_flags.
inline constexpr std::uint32_t kIffUp = 0x1;
inline constexpr std::uint32_t kIffRunning = 0x40;

// `struct if_data64` (bsd/net/if_var.h) is declared under #pragma pack(4) and ends with a
// `struct timeval32` on LP64; `struct if_msghdr2` embeds it after four ints. Mirrored here only
// to pin the offsets the decoder uses; bytes are never cast to these types.
#pragma pack(push, 4)
struct IfData64Layout {
  std::uint8_t ifi_type, ifi_typelen, ifi_physical, ifi_addrlen;
  std::uint8_t ifi_hdrlen, ifi_recvquota, ifi_xmitquota, ifi_unused1;
  std::uint32_t ifi_mtu;
  std::uint32_t ifi_metric;
  std::uint64_t ifi_baudrate;
  std::uint64_t ifi_ipackets;
  std::uint64_t ifi_ierrors;
  std::uint64_t ifi_opackets;
  std::uint64_t ifi_oerrors;
  std::uint64_t ifi_collisions;
  std::uint64_t ifi_ibytes;
  std::uint64_t ifi_obytes;
  std::uint64_t ifi_imcasts;
  std::uint64_t ifi_omcasts;
  std::uint64_t ifi_iqdrops;
  std::uint64_t ifi_noproto;
  std::uint32_t ifi_recvtiming;
  std::uint32_t ifi_xmittiming;
  std::int32_t ifi_lastchange_sec;  // struct timeval32
  std::int32_t ifi_lastchange_usec;
};
struct IfMsghdr2Layout {
  std::uint16_t ifm_msglen;
  std::uint8_t ifm_version;
  std::uint8_t ifm_type;
  std::int32_t ifm_addrs;
  std::int32_t ifm_flags;
  std::uint16_t ifm_index;  // then 2 padding bytes
  std::int32_t ifm_snd_len;
  std::int32_t ifm_snd_maxlen;
  std::int32_t ifm_snd_drops;
  std::int32_t ifm_timer;
  IfData64Layout ifm_data;
};
#pragma pack(pop)
struct SockaddrDlLayout {
  std::uint8_t sdl_len;
  std::uint8_t sdl_family;
  std::uint16_t sdl_index;
  std::uint8_t sdl_type;
  std::uint8_t sdl_nlen;
  std::uint8_t sdl_alen;
  std::uint8_t sdl_slen;
  char sdl_data[12];  // the minimum; sdl_len says how long it really is
};

inline constexpr std::size_t kIfMsghdr2Bytes = sizeof(IfMsghdr2Layout);
inline constexpr std::size_t kIfDataOffset = offsetof(IfMsghdr2Layout, ifm_data);
static_assert(sizeof(IfData64Layout) == 128);
static_assert(kIfMsghdr2Bytes == 160 && kIfDataOffset == 32);
static_assert(offsetof(IfMsghdr2Layout, ifm_addrs) == 4 &&
              offsetof(IfMsghdr2Layout, ifm_flags) == 8);
static_assert(offsetof(IfMsghdr2Layout, ifm_index) == 12 &&
              offsetof(IfMsghdr2Layout, ifm_snd_len) == 16);
static_assert(offsetof(IfData64Layout, ifi_mtu) == 8 &&
              offsetof(IfData64Layout, ifi_baudrate) == 16);
static_assert(offsetof(IfData64Layout, ifi_ibytes) == 64 &&
              offsetof(IfData64Layout, ifi_noproto) == 104);
static_assert(offsetof(SockaddrDlLayout, sdl_nlen) == 5 &&
              offsetof(SockaddrDlLayout, sdl_data) == 8);

// One RTM_IFINFO2 message with a name.
struct InterfaceMessage {
  std::string_view name;  // points into the reply
  Bytes message;          // the whole message, at least kIfMsghdr2Bytes long
};

class IflistWalker {
 public:
  explicit IflistWalker(Bytes reply) : reply_(reply) {}

  // The next interface; false at the end of the reply or at a broken message header.
  bool next(InterfaceMessage& out);

  // kOk while the walk is clean; kTruncated or kMalformed once it stopped at a broken header.
  [[nodiscard]] DecodeStatus status() const { return status_; }
  // RTM_IFINFO2 messages passed over: too short, another version, or no usable name.
  [[nodiscard]] std::size_t skipped() const { return skipped_; }

 private:
  Bytes reply_;
  std::size_t offset_ = 0;
  DecodeStatus status_ = DecodeStatus::kOk;
  std::size_t skipped_ = 0;
};

// The name in an RTM_IFINFO2 message's link-level sockaddr, cut at a NUL; empty when the message
// has none or it does not lie wholly inside the message.
[[nodiscard]] std::string_view interface_name(Bytes message);

// A value of the message, as the registry's `iflist2:FIELD` sources name it.
enum class InterfaceFieldKind : std::uint8_t {
  kUnsigned,  // a u32 or u64 counter or size of if_data64
  kFlags,     // ifm_flags as a bitmask
  kFlagBit,   // 1 when `bit` is set in ifm_flags
};
struct InterfaceField {
  std::string_view name;  // "ibytes", "mtu", "up", ...
  std::size_t offset;     // from the start of the message
  std::size_t width;      // 4 or 8
  InterfaceFieldKind kind;
  std::uint32_t bit = 0;  // kFlagBit
};

// nullptr when the registry names no such field.
[[nodiscard]] const InterfaceField* find_interface_field(std::string_view name);

// The field's value; kTruncated when the message is shorter than an if_msghdr2.
[[nodiscard]] Decoded decode_interface_field(Bytes message, const InterfaceField& field);

}  // namespace sysring::broker::darwin
