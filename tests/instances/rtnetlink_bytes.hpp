// Builds the bytes of an rtnetlink RTM_GETLINK dump reply as the kernel lays them out (host byte
// order, messages and attributes padded to 4 bytes), for tests of the parser and of the netif
// source over a fake dumper. A link message holds its attributes in this order: IFLA_IFNAME
// first (at byte 32 of the message), then the others, then IFLA_STATS64.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sources/linux/link_dumper.hpp"
#include "sources/linux/rtnetlink_parser.hpp"

namespace sysring::test {

namespace rt = broker::linux_instances::rtnetlink;

using Bytes = std::vector<std::byte>;

inline constexpr std::uint16_t kNlmFMulti = 0x2;  // NLM_F_MULTI: every message of a dump has it
inline constexpr std::uint32_t kIffUp = 0x1;
inline constexpr std::uint32_t kIffBroadcast = 0x2;
inline constexpr std::uint32_t kIffLoopback = 0x8;
inline constexpr std::uint32_t kIffRunning = 0x40;
inline constexpr std::uint32_t kIffMulticast = 0x1000;
inline constexpr std::uint32_t kIffLowerUp = 0x10000;

// One link as a test wants it in a dump; an attribute left empty is not in the message.
struct LinkSpec {
  std::string name;
  std::int32_t index = 1;
  std::uint32_t flags = kIffUp | kIffRunning | kIffLowerUp;
  std::optional<std::uint8_t> operstate = 6;
  std::optional<std::uint8_t> carrier = 1;
  std::optional<std::uint32_t> carrier_changes = 0;
  std::optional<std::uint32_t> mtu = 1500;
  std::optional<std::uint32_t> tx_queue_len = 1000;
  std::optional<std::uint32_t> carrier_up_count = 1;
  std::optional<std::uint32_t> carrier_down_count = 0;
  std::vector<std::uint8_t> address = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};  // none when empty
  std::vector<std::uint8_t> broadcast = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  std::string alias;  // IFLA_IFALIAS only when set, as the kernel sends it
  std::optional<rt::LinkStats64> stats = rt::LinkStats64{};
};

template <class T>
void append_value(Bytes& out, const T& value) {
  const auto* p = reinterpret_cast<const std::byte*>(&value);
  out.insert(out.end(), p, p + sizeof value);
}

inline void pad4(Bytes& out) {
  out.resize(rt::align4(out.size()));
}

inline void append_attribute(Bytes& out, std::uint16_t type, std::span<const std::byte> payload) {
  append_value(out, static_cast<std::uint16_t>(rt::kAttributeHeaderBytes + payload.size()));
  append_value(out, type);
  out.insert(out.end(), payload.begin(), payload.end());
  pad4(out);
}

template <class T>
void append_attribute_value(Bytes& out, std::uint16_t type, const T& value) {
  append_attribute(out, type, std::as_bytes(std::span(&value, 1)));
}

// A whole message: header with `type`, `flags`, `seq`, then `payload` (padded to 4).
inline Bytes message(std::uint16_t type, std::uint16_t flags, std::uint32_t seq,
                     std::span<const std::byte> payload) {
  Bytes out;
  append_value(out, static_cast<std::uint32_t>(rt::kMessageHeaderBytes + payload.size()));
  append_value(out, type);
  append_value(out, flags);
  append_value(out, seq);
  append_value(out, std::uint32_t{4242});  // the port the reply goes to
  out.insert(out.end(), payload.begin(), payload.end());
  pad4(out);
  return out;
}

// The payload of an RTM_NEWLINK message for `link`, with two attributes the parser skips (a u8
// IFLA_LINKMODE and a nested IFLA_AF_SPEC) and the IFLA_PAD the kernel puts before IFLA_STATS64.
inline Bytes link_payload(const LinkSpec& link) {
  Bytes out;
  append_value(out, std::uint8_t{0});   // ifi_family AF_UNSPEC
  append_value(out, std::uint8_t{0});   // pad
  append_value(out, std::uint16_t{1});  // ifi_type ARPHRD_ETHER
  append_value(out, link.index);        // ifi_index
  append_value(out, link.flags);        // ifi_flags
  append_value(out, std::uint32_t{0});  // ifi_change
  Bytes name(link.name.size() + 1);
  std::memcpy(name.data(), link.name.data(), link.name.size());
  append_attribute(out, rt::kIfname, name);
  if (!link.address.empty())
    append_attribute(out, rt::kAddress, std::as_bytes(std::span(link.address)));
  if (!link.broadcast.empty())
    append_attribute(out, rt::kBroadcast, std::as_bytes(std::span(link.broadcast)));
  if (!link.alias.empty()) {
    Bytes alias(link.alias.size() + 1);
    std::memcpy(alias.data(), link.alias.data(), link.alias.size());
    append_attribute(out, rt::kIfalias, alias);
  }
  if (link.carrier_up_count)
    append_attribute_value(out, rt::kCarrierUpCount, *link.carrier_up_count);
  if (link.carrier_down_count)
    append_attribute_value(out, rt::kCarrierDownCount, *link.carrier_down_count);
  if (link.tx_queue_len) append_attribute_value(out, rt::kTxQueueLen, *link.tx_queue_len);
  if (link.operstate) append_attribute_value(out, rt::kOperstate, *link.operstate);
  append_attribute_value(out, std::uint16_t{17}, std::uint8_t{0});  // IFLA_LINKMODE
  if (link.mtu) append_attribute_value(out, rt::kMtu, *link.mtu);
  if (link.carrier) append_attribute_value(out, rt::kCarrier, *link.carrier);
  if (link.carrier_changes) append_attribute_value(out, rt::kCarrierChanges, *link.carrier_changes);
  Bytes nested;
  append_attribute_value(nested, std::uint16_t{1}, std::uint32_t{7});
  append_attribute(out, std::uint16_t{26 | 0x8000}, nested);  // IFLA_AF_SPEC, NLA_F_NESTED
  if (link.stats) {
    append_attribute(out, std::uint16_t{42}, {});  // IFLA_PAD
    // Two u64 past tx_compressed, as kernels 5.19 and later send (rx_nohandler, ...).
    struct {
      rt::LinkStats64 known;
      std::array<std::uint64_t, 2> newer;
    } stats{*link.stats, {777, 888}};
    append_attribute_value(out, rt::kStats64, stats);
  }
  return out;
}

inline Bytes link_message(const LinkSpec& link, std::uint32_t seq = 1,
                          std::uint16_t flags = kNlmFMulti) {
  return message(rt::kNewLink, flags, seq, link_payload(link));
}

inline Bytes done_message(std::uint32_t seq = 1, std::int32_t error = 0) {
  return message(rt::kDone, kNlmFMulti, seq, std::as_bytes(std::span(&error, 1)));
}

inline Bytes error_message(std::uint32_t seq, std::int32_t error) {
  Bytes payload;
  append_value(payload, error);
  payload.resize(payload.size() + rt::kMessageHeaderBytes);  // the request's header, echoed
  return message(rt::kError, 0, seq, payload);
}

inline void append(Bytes& out, const Bytes& more) {
  out.insert(out.end(), more.begin(), more.end());
}

// A dump of `links` in order, then NLMSG_DONE.
inline Bytes dump_of(const std::vector<LinkSpec>& links, std::uint32_t seq = 1) {
  Bytes out;
  for (const LinkSpec& link : links) append(out, link_message(link, seq));
  append(out, done_message(seq));
  return out;
}

template <class T>
void overwrite(Bytes& bytes, std::size_t offset, T value) {
  std::memcpy(bytes.data() + offset, &value, sizeof value);
}

// Counters a test can tell apart: field i of rtnl_link_stats64 is `base` + i.
inline rt::LinkStats64 numbered_stats(std::uint64_t base) {
  std::array<std::uint64_t, sizeof(rt::LinkStats64) / 8> fields{};
  for (std::size_t i = 0; i < fields.size(); ++i) fields[i] = base + i;
  rt::LinkStats64 s;
  std::memcpy(&s, fields.data(), sizeof s);
  return s;
}

// A LinkDumper that returns what the test set: bytes, or an error.
class FakeLinkDumper final : public broker::linux_instances::LinkDumper {
 public:
  broker::linux_instances::LinkDump dump() override {
    ++dumps;
    if (error != 0) return {error, "recvmsg", {}};
    return {0, {}, bytes};
  }
  Bytes bytes;
  int error = 0;
  int dumps = 0;
};

}  // namespace sysring::test
