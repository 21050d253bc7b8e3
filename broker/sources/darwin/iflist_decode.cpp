#include "iflist_decode.hpp"

#include <array>

namespace sysring::broker::darwin {
namespace {

// Every routing message starts with msglen (u16), version (u8), type (u8).
constexpr std::size_t kMessagePrefixBytes = 4;
constexpr std::size_t kVersionOffset = 2;
constexpr std::size_t kTypeOffset = 3;

constexpr std::size_t kAddrsOffset = offsetof(IfMsghdr2Layout, ifm_addrs);
constexpr std::size_t kFlagsOffset = offsetof(IfMsghdr2Layout, ifm_flags);

// rtsock.c ROUNDUP32: a sockaddr takes its sa_len rounded up to 4 bytes, and 4 when sa_len is 0.
constexpr std::size_t roundup32(std::size_t sa_len) {
  return sa_len == 0 ? 4 : ((sa_len + 3) / 4) * 4;
}

constexpr std::size_t data_field(std::size_t offset_in_if_data64) {
  return kIfDataOffset + offset_in_if_data64;
}

constexpr std::array<InterfaceField, 16> kFields = {{
    {"ibytes", data_field(offsetof(IfData64Layout, ifi_ibytes)), 8, InterfaceFieldKind::kUnsigned},
    {"obytes", data_field(offsetof(IfData64Layout, ifi_obytes)), 8, InterfaceFieldKind::kUnsigned},
    {"ipackets", data_field(offsetof(IfData64Layout, ifi_ipackets)), 8,
     InterfaceFieldKind::kUnsigned},
    {"opackets", data_field(offsetof(IfData64Layout, ifi_opackets)), 8,
     InterfaceFieldKind::kUnsigned},
    {"ierrors", data_field(offsetof(IfData64Layout, ifi_ierrors)), 8,
     InterfaceFieldKind::kUnsigned},
    {"oerrors", data_field(offsetof(IfData64Layout, ifi_oerrors)), 8,
     InterfaceFieldKind::kUnsigned},
    {"imcasts", data_field(offsetof(IfData64Layout, ifi_imcasts)), 8,
     InterfaceFieldKind::kUnsigned},
    {"omcasts", data_field(offsetof(IfData64Layout, ifi_omcasts)), 8,
     InterfaceFieldKind::kUnsigned},
    {"iqdrops", data_field(offsetof(IfData64Layout, ifi_iqdrops)), 8,
     InterfaceFieldKind::kUnsigned},
    {"collisions", data_field(offsetof(IfData64Layout, ifi_collisions)), 8,
     InterfaceFieldKind::kUnsigned},
    {"noproto", data_field(offsetof(IfData64Layout, ifi_noproto)), 8,
     InterfaceFieldKind::kUnsigned},
    {"mtu", data_field(offsetof(IfData64Layout, ifi_mtu)), 4, InterfaceFieldKind::kUnsigned},
    {"baudrate", data_field(offsetof(IfData64Layout, ifi_baudrate)), 8,
     InterfaceFieldKind::kUnsigned},
    {"flags", kFlagsOffset, 4, InterfaceFieldKind::kFlags},
    {"up", kFlagsOffset, 4, InterfaceFieldKind::kFlagBit, kIffUp},
    {"running", kFlagsOffset, 4, InterfaceFieldKind::kFlagBit, kIffRunning},
}};

// Whether a whole RTM_IFINFO2 message can be decoded (the name aside).
bool usable_ifinfo2(Bytes message) {
  return message.size() >= kIfMsghdr2Bytes && message[kVersionOffset] == kRtmVersion;
}

}  // namespace

bool IflistWalker::next(InterfaceMessage& out) {
  while (status_ == DecodeStatus::kOk && offset_ < reply_.size()) {
    const Bytes rest = reply_.subspan(offset_);
    const std::optional<std::uint64_t> msglen = read_le(rest, 0, 2);
    if (!msglen || rest.size() < kMessagePrefixBytes) {
      status_ = DecodeStatus::kTruncated;
      break;
    }
    if (*msglen < kMessagePrefixBytes) {  // 0 would never advance; 1..3 cannot hold a header
      status_ = DecodeStatus::kMalformed;
      break;
    }
    if (*msglen > rest.size()) {
      status_ = DecodeStatus::kTruncated;
      break;
    }
    const Bytes message = rest.first(static_cast<std::size_t>(*msglen));
    offset_ += message.size();
    if (message[kTypeOffset] != kRtmIfinfo2) continue;  // addresses, multicast groups, others
    const std::string_view name = usable_ifinfo2(message) ? interface_name(message) : "";
    if (name.empty()) {
      ++skipped_;
      continue;
    }
    out = {name, message};
    return true;
  }
  return false;
}

std::string_view interface_name(Bytes message) {
  const std::optional<std::uint64_t> addrs = read_le(message, kAddrsOffset, 4);
  if (!addrs || (*addrs & kRtaIfp) == 0) return {};
  // Skip the sockaddrs that precede RTAX_IFP (a gateway can be left over from the previous
  // interface's multicast groups in the kernel's walk).
  std::size_t offset = kIfMsghdr2Bytes;
  for (std::uint32_t i = 0; i < kRtaxIfp; ++i) {
    if ((*addrs & (1u << i)) == 0) continue;
    const std::optional<std::uint64_t> sa_len = read_le(message, offset, 1);
    if (!sa_len) return {};
    offset += roundup32(static_cast<std::size_t>(*sa_len));
  }
  const std::optional<std::uint64_t> sdl_len = read_le(message, offset, 1);
  const std::optional<std::uint64_t> family = read_le(message, offset + 1, 1);
  const std::optional<std::uint64_t> nlen =
      read_le(message, offset + offsetof(SockaddrDlLayout, sdl_nlen), 1);
  constexpr std::size_t kDataOffset = offsetof(SockaddrDlLayout, sdl_data);
  if (!sdl_len || !family || !nlen || *family != kAfLink) return {};
  if (*sdl_len < kDataOffset + *nlen ||
      !fits(message, offset, static_cast<std::size_t>(*sdl_len))) {
    return {};
  }
  return read_chars(message, offset + kDataOffset, static_cast<std::size_t>(*nlen));
}

const InterfaceField* find_interface_field(std::string_view name) {
  for (const InterfaceField& f : kFields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Decoded decode_interface_field(Bytes message, const InterfaceField& field) {
  if (message.size() < kIfMsghdr2Bytes) return {DecodeStatus::kTruncated, 0, {}};
  const std::optional<std::uint64_t> raw = read_le(message, field.offset, field.width);
  if (!raw) return {DecodeStatus::kTruncated, 0, {}};
  switch (field.kind) {
    case InterfaceFieldKind::kUnsigned:
    case InterfaceFieldKind::kFlags:
      return {DecodeStatus::kOk, *raw, {}};
    case InterfaceFieldKind::kFlagBit:
      return {DecodeStatus::kOk, (*raw & field.bit) != 0 ? 1u : 0u, {}};
  }
  return {DecodeStatus::kMalformed, 0, {}};
}

}  // namespace sysring::broker::darwin
