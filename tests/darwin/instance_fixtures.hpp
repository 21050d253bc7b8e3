// Byte fixtures for the darwin instance decoders: host_processor_info, NET_RT_IFLIST2 and
// getfsstat replies as a 64-bit arm64 process receives them (little-endian, XNU's layouts).
// Bytes the decoders must not read (padding, fields no registry row names) hold 0xEE.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "host_cpu_decode.hpp"
#include "iflist_decode.hpp"
#include "reply_fixtures.hpp"
#include "statfs_decode.hpp"

namespace sysring::darwin_fixtures {

namespace dw = broker::darwin;

// One processor_cpu_load_info per CPU: {user, system, idle, nice} ticks.
using CpuTicks = std::array<std::uint32_t, 4>;
inline ByteVec cpu_load_reply(std::initializer_list<CpuTicks> cpus) {
  ByteVec b;
  std::size_t at = 0;
  for (const CpuTicks& t : cpus) {
    for (const std::uint32_t ticks : t) {
      put(b, at, ticks, 4);
      at += 4;
    }
  }
  return b;
}

inline ByteVec concat(std::initializer_list<ByteVec> parts) {
  ByteVec b;
  for (const ByteVec& p : parts) b.insert(b.end(), p.begin(), p.end());
  return b;
}

// An interface as the fixtures describe it; each counter gets a value of its own, derived from
// `base`, so a field read at the wrong offset shows.
struct Iface {
  std::string name;
  std::uint16_t index = 1;
  std::uint32_t flags = dw::kIffUp | dw::kIffRunning;
  std::uint64_t base = 1000;
  std::uint32_t mtu = 1500;
  std::uint64_t baudrate = 1'000'000'000;
  std::size_t name_nul_padding = 0;  // NULs after the name, counted in sdl_nlen
  bool gateway_first = false;        // a gateway sockaddr (RTAX_GATEWAY) before RTAX_IFP
  std::uint8_t type = dw::kRtmIfinfo2;
  std::uint8_t version = dw::kRtmVersion;
};

// The values each counter of `Iface` carries.
inline std::uint64_t ibytes_of(const Iface& i) {
  return i.base * 1024;
}
inline std::uint64_t obytes_of(const Iface& i) {
  return i.base * 2048;
}
inline std::uint64_t ipackets_of(const Iface& i) {
  return i.base + 1;
}
inline std::uint64_t opackets_of(const Iface& i) {
  return i.base + 2;
}

inline void pad4(ByteVec& b) {
  while (b.size() % 4 != 0) b.push_back(0);
}

// The link-level sockaddr (struct sockaddr_dl) naming the interface, with a 6-byte MAC.
inline ByteVec sockaddr_dl(const Iface& i) {
  const std::size_t nlen = i.name.size() + i.name_nul_padding;
  const std::size_t len = std::max<std::size_t>(20, 8 + nlen + 6);
  ByteVec b(len, 0);
  b[0] = static_cast<std::uint8_t>(len);
  b[1] = dw::kAfLink;
  put(b, 2, i.index, 2);
  b[4] = 6;  // IFT_ETHER
  b[5] = static_cast<std::uint8_t>(nlen);
  b[6] = 6;
  for (std::size_t k = 0; k < i.name.size(); ++k) b[8 + k] = static_cast<std::uint8_t>(i.name[k]);
  for (std::size_t k = 0; k < 6; ++k) b[8 + nlen + k] = static_cast<std::uint8_t>(0xA0 + k);
  pad4(b);
  return b;
}

// An RTM_IFINFO2 message: struct if_msghdr2 then its sockaddrs.
inline ByteVec ifinfo2(const Iface& i) {
  ByteVec b(dw::kIfMsghdr2Bytes, 0xEE);
  b[2] = i.version;
  b[3] = i.type;
  put(b, 4, dw::kRtaIfp | (i.gateway_first ? 0x2u : 0u), 4);
  put(b, 8, i.flags, 4);
  put(b, 12, i.index, 2);
  const std::size_t d = dw::kIfDataOffset;
  put(b, d + 8, i.mtu, 4);
  put(b, d + 16, i.baudrate, 8);
  put(b, d + 24, ipackets_of(i), 8);
  put(b, d + 32, i.base + 3, 8);  // ierrors
  put(b, d + 40, opackets_of(i), 8);
  put(b, d + 48, i.base + 4, 8);  // oerrors
  put(b, d + 56, i.base + 5, 8);  // collisions
  put(b, d + 64, ibytes_of(i), 8);
  put(b, d + 72, obytes_of(i), 8);
  put(b, d + 80, i.base + 6, 8);   // imcasts
  put(b, d + 88, i.base + 7, 8);   // omcasts
  put(b, d + 96, i.base + 8, 8);   // iqdrops
  put(b, d + 104, i.base + 9, 8);  // noproto
  if (i.gateway_first) {           // an odd-length sockaddr: 6 bytes, padded to 8
    const ByteVec gateway = {6, 2, 0, 0, 10, 0, 0, 0};
    b.insert(b.end(), gateway.begin(), gateway.end());
  }
  const ByteVec dl = sockaddr_dl(i);
  b.insert(b.end(), dl.begin(), dl.end());
  put(b, 0, b.size(), 2);
  return b;
}

// An RTM_NEWADDR message (struct ifa_msghdr, 20 bytes) with an AF_INET address: not ours.
inline ByteVec newaddr(std::uint16_t index) {
  ByteVec b(20, 0);
  b[2] = dw::kRtmVersion;
  b[3] = 0x0c;         // RTM_NEWADDR
  put(b, 4, 0x20, 4);  // RTA_IFA
  put(b, 12, index, 2);
  const ByteVec sin = {16, 2, 0, 0, 192, 168, 1, 10, 0, 0, 0, 0, 0, 0, 0, 0};
  b.insert(b.end(), sin.begin(), sin.end());
  put(b, 0, b.size(), 2);
  return b;
}

// A mounted filesystem as the fixtures describe it.
struct Mount {
  std::string mount_point;
  std::string device;
  std::string fs_type;
  std::uint32_t bsize = 4096;
  std::uint64_t blocks = 1000, bfree = 600, bavail = 500, files = 9000, ffree = 8000;
  std::uint32_t flags = 0;
  bool zero_padded_names = true;  // the kernel's NUL fill; false leaves 0xEE after the NUL
};

inline void put_name(ByteVec& b, std::size_t at, std::size_t size, const std::string& s,
                     bool zero_padded) {
  for (std::size_t k = 0; k < size; ++k) {
    if (k < s.size()) {
      b[at + k] = static_cast<std::uint8_t>(s[k]);
    } else if (k == s.size() || zero_padded) {
      b[at + k] = 0;
    }
  }
}

// One struct statfs (2168 bytes).
inline ByteVec statfs_record(const Mount& m) {
  ByteVec b(dw::kStatfsBytes, 0xEE);
  put(b, 0, m.bsize, 4);
  put(b, 8, m.blocks, 8);
  put(b, 16, m.bfree, 8);
  put(b, 24, m.bavail, 8);
  put(b, 32, m.files, 8);
  put(b, 40, m.ffree, 8);
  put(b, 64, m.flags, 4);
  put_name(b, 72, dw::kFsTypeNameBytes, m.fs_type, m.zero_padded_names);
  put_name(b, 88, dw::kMountNameBytes, m.mount_point, m.zero_padded_names);
  put_name(b, 1112, dw::kMountNameBytes, m.device, m.zero_padded_names);
  return b;
}

inline ByteVec mount_reply(std::initializer_list<Mount> mounts) {
  ByteVec b;
  for (const Mount& m : mounts) {
    const ByteVec r = statfs_record(m);
    b.insert(b.end(), r.begin(), r.end());
  }
  return b;
}

}  // namespace sysring::darwin_fixtures
