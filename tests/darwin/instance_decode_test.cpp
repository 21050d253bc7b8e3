// The darwin instance decoders over byte fixtures: per-CPU ticks, the NET_RT_IFLIST2 message
// walk and getfsstat records, with every truncated or malformed reply refused or its bad record
// skipped, never read past its end (the cut copies are exactly sized, so ASan would see it).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host_cpu_decode.hpp"
#include "iflist_decode.hpp"
#include "instance_fixtures.hpp"
#include "statfs_decode.hpp"

namespace sysring::broker::darwin {
namespace {

using namespace sysring::darwin_fixtures;

// The first n bytes of a reply in an exactly-sized heap block.
struct Cut {
  Cut(const ByteVec& v, std::size_t n) : data(v.begin(), v.begin() + static_cast<long>(n)) {}
  ByteVec data;
  [[nodiscard]] Bytes span() const { return {data.data(), data.size()}; }
};

std::vector<std::string> walk_names(Bytes reply, DecodeStatus* status = nullptr,
                                    std::size_t* skipped = nullptr) {
  IflistWalker walk(reply);
  InterfaceMessage m;
  std::vector<std::string> names;
  while (walk.next(m)) {
    EXPECT_GE(m.message.size(), kIfMsghdr2Bytes);
    EXPECT_GE(m.message.data(), reply.data());
    EXPECT_LE(m.message.data() + m.message.size(), reply.data() + reply.size());
    names.emplace_back(m.name);
  }
  if (status != nullptr) *status = walk.status();
  if (skipped != nullptr) *skipped = walk.skipped();
  return names;
}

std::uint64_t field(const InterfaceMessage& m, std::string_view name) {
  const InterfaceField* f = find_interface_field(name);
  EXPECT_NE(f, nullptr) << name;
  if (f == nullptr) return 0;
  const Decoded d = decode_interface_field(m.message, *f);
  EXPECT_EQ(d.status, DecodeStatus::kOk) << name;
  return d.bits;
}

// --- host_processor_info ---------------------------------------------------------------------

TEST(CpuLoadDecode, EachCpuHasItsFourStatesInKernelOrder) {
  const ByteVec reply = cpu_load_reply({{10, 20, 30, 40}, {11, 21, 31, 41}});
  std::size_t count = 0;
  ASSERT_EQ(count_cpus(reply, count), DecodeStatus::kOk);
  EXPECT_EQ(count, 2u);
  EXPECT_EQ(decode_cpu_ticks(reply, 0, CpuState::kUser).bits, 10u);
  EXPECT_EQ(decode_cpu_ticks(reply, 0, CpuState::kSystem).bits, 20u);
  EXPECT_EQ(decode_cpu_ticks(reply, 0, CpuState::kIdle).bits, 30u);
  EXPECT_EQ(decode_cpu_ticks(reply, 0, CpuState::kNice).bits, 40u);
  EXPECT_EQ(decode_cpu_ticks(reply, 1, CpuState::kNice).bits, 41u);
}

TEST(CpuLoadDecode, TicksAreUnsigned32BitCountersZeroExtended) {
  const ByteVec reply = cpu_load_reply({{0xFFFFFFF0u, 0, 0x80000000u, 0}});
  EXPECT_EQ(decode_cpu_ticks(reply, 0, CpuState::kUser).bits, 0xFFFFFFF0u);
  EXPECT_EQ(decode_cpu_ticks(reply, 0, CpuState::kIdle).bits, 0x80000000u);
}

TEST(CpuLoadDecode, PartialRecordsAndEmptyRepliesAreRefused) {
  const ByteVec reply = cpu_load_reply({{1, 2, 3, 4}, {5, 6, 7, 8}});
  std::size_t count = 99;
  EXPECT_EQ(count_cpus({}, count), DecodeStatus::kTruncated);
  EXPECT_EQ(count, 0u);
  for (std::size_t n = 1; n < reply.size(); ++n) {
    const Cut cut(reply, n);
    EXPECT_EQ(count_cpus(cut.span(), count), n == 16 ? DecodeStatus::kOk : DecodeStatus::kBadLength)
        << n;
    // A CPU whose record is not whole is never read, whatever the count said.
    EXPECT_EQ(decode_cpu_ticks(cut.span(), 1, CpuState::kUser).status, DecodeStatus::kTruncated);
  }
  EXPECT_EQ(decode_cpu_ticks(reply, 2, CpuState::kUser).status, DecodeStatus::kTruncated);
}

TEST(CpuLoadDecode, StatesByRegistryName) {
  EXPECT_EQ(cpu_state_by_name("user"), CpuState::kUser);
  EXPECT_EQ(cpu_state_by_name("system"), CpuState::kSystem);
  EXPECT_EQ(cpu_state_by_name("idle"), CpuState::kIdle);
  EXPECT_EQ(cpu_state_by_name("nice"), CpuState::kNice);
  EXPECT_FALSE(cpu_state_by_name("iowait"));
  EXPECT_FALSE(cpu_state_by_name(""));
}

// --- NET_RT_IFLIST2 --------------------------------------------------------------------------

TEST(IflistDecode, InterfacesAmongAddressMessagesWithTheirCounters) {
  const Iface en0{.name = "en0", .index = 4, .base = 5000, .mtu = 1500};
  const Iface lo0{.name = "lo0", .index = 1, .flags = kIffUp, .base = 7000, .mtu = 16384};
  const ByteVec reply = concat({ifinfo2(lo0), newaddr(1), newaddr(1), ifinfo2(en0), newaddr(4)});
  IflistWalker walk(reply);
  InterfaceMessage m;
  ASSERT_TRUE(walk.next(m));
  EXPECT_EQ(m.name, "lo0");
  EXPECT_EQ(field(m, "mtu"), 16384u);
  EXPECT_EQ(field(m, "up"), 1u);
  EXPECT_EQ(field(m, "running"), 0u);
  EXPECT_EQ(field(m, "flags"), kIffUp);
  ASSERT_TRUE(walk.next(m));
  EXPECT_EQ(m.name, "en0");
  EXPECT_EQ(field(m, "ibytes"), ibytes_of(en0));
  EXPECT_EQ(field(m, "obytes"), obytes_of(en0));
  EXPECT_EQ(field(m, "ipackets"), ipackets_of(en0));
  EXPECT_EQ(field(m, "opackets"), opackets_of(en0));
  EXPECT_EQ(field(m, "ierrors"), 5003u);
  EXPECT_EQ(field(m, "oerrors"), 5004u);
  EXPECT_EQ(field(m, "collisions"), 5005u);
  EXPECT_EQ(field(m, "imcasts"), 5006u);
  EXPECT_EQ(field(m, "omcasts"), 5007u);
  EXPECT_EQ(field(m, "iqdrops"), 5008u);
  EXPECT_EQ(field(m, "noproto"), 5009u);
  EXPECT_EQ(field(m, "baudrate"), 1'000'000'000u);
  EXPECT_EQ(field(m, "running"), 1u);
  EXPECT_FALSE(walk.next(m));
  EXPECT_EQ(walk.status(), DecodeStatus::kOk);
  EXPECT_EQ(walk.skipped(), 0u);
}

TEST(IflistDecode, OtherMessageTypesArePassedOverWithoutCounting) {
  // RTM_IFINFO (struct if_msghdr, 32-bit counters) has another layout: never read as ours.
  const ByteVec reply =
      concat({ifinfo2({.name = "gif0", .type = kRtmIfinfo}), ifinfo2({.name = "en1"}), newaddr(2)});
  DecodeStatus status{};
  std::size_t skipped = 9;
  EXPECT_EQ(walk_names(reply, &status, &skipped), std::vector<std::string>{"en1"});
  EXPECT_EQ(status, DecodeStatus::kOk);
  EXPECT_EQ(skipped, 0u);
}

TEST(IflistDecode, NamesLoseTheirNulPaddingAndAreFoundAfterAGateway) {
  const ByteVec reply = concat({ifinfo2({.name = "en0", .name_nul_padding = 5}),
                                ifinfo2({.name = "bridge100", .gateway_first = true})});
  EXPECT_EQ(walk_names(reply), (std::vector<std::string>{"en0", "bridge100"}));
  EXPECT_EQ(interface_name(ifinfo2({.name = "utun3", .gateway_first = true})), "utun3");
}

TEST(IflistDecode, AZeroMessageLengthStopsTheWalkAfterWhatCameBefore) {
  ByteVec zero = ifinfo2({.name = "en5"});
  put(zero, 0, 0, 2);
  const ByteVec reply = concat({ifinfo2({.name = "en0"}), zero, ifinfo2({.name = "en9"})});
  DecodeStatus status{};
  EXPECT_EQ(walk_names(reply, &status), std::vector<std::string>{"en0"});
  EXPECT_EQ(status, DecodeStatus::kMalformed);
  for (const std::uint64_t tiny : {1u, 2u, 3u}) {  // too short for the header it is part of
    ByteVec short_len = ifinfo2({.name = "en0"});
    put(short_len, 0, tiny, 2);
    EXPECT_TRUE(walk_names(short_len, &status).empty());
    EXPECT_EQ(status, DecodeStatus::kMalformed) << tiny;
  }
}

TEST(IflistDecode, AMessageLongerThanTheReplyStopsTheWalk) {
  ByteVec overrun = ifinfo2({.name = "en1"});
  put(overrun, 0, overrun.size() + 4, 2);
  const ByteVec reply = concat({ifinfo2({.name = "en0"}), overrun});
  DecodeStatus status{};
  EXPECT_EQ(walk_names(reply, &status), std::vector<std::string>{"en0"});
  EXPECT_EQ(status, DecodeStatus::kTruncated);
}

TEST(IflistDecode, EveryCutOfAReplyIsWalkedWithinItsBytes) {
  const ByteVec first = ifinfo2({.name = "lo0"});
  const ByteVec reply =
      concat({first, newaddr(1), ifinfo2({.name = "en0", .gateway_first = true})});
  for (std::size_t n = 0; n <= reply.size(); ++n) {
    const Cut cut(reply, n);
    DecodeStatus status{};
    const std::vector<std::string> names = walk_names(cut.span(), &status);
    const bool boundary =
        n == 0 || n == first.size() || n == first.size() + 36 || n == reply.size();
    EXPECT_EQ(status, boundary ? DecodeStatus::kOk : DecodeStatus::kTruncated) << n;
    const std::size_t whole = n == reply.size() ? 2 : (n >= first.size() ? 1 : 0);
    EXPECT_EQ(names.size(), whole) << n;
  }
}

TEST(IflistDecode, UnusableInterfaceMessagesAreSkippedAndCounted) {
  ByteVec too_short = ifinfo2({.name = "en2"});
  too_short.resize(100);
  put(too_short, 0, too_short.size(), 2);
  ByteVec no_ifp = ifinfo2({.name = "en3"});
  put(no_ifp, 4, 0, 4);
  ByteVec not_link = ifinfo2({.name = "en4"});
  not_link[kIfMsghdr2Bytes + 1] = 2;  // AF_INET where AF_LINK belongs
  ByteVec name_past_sockaddr = ifinfo2({.name = "en6"});
  name_past_sockaddr[kIfMsghdr2Bytes + 5] = 40;  // sdl_nlen beyond sdl_len
  ByteVec empty_name = ifinfo2({.name = "", .name_nul_padding = 4});
  const ByteVec reply = concat({too_short, ifinfo2({.name = "en7", .version = 4}), no_ifp, not_link,
                                name_past_sockaddr, empty_name, ifinfo2({.name = "en0"})});
  DecodeStatus status{};
  std::size_t skipped = 0;
  EXPECT_EQ(walk_names(reply, &status, &skipped), std::vector<std::string>{"en0"});
  EXPECT_EQ(status, DecodeStatus::kOk);
  EXPECT_EQ(skipped, 6u);
}

TEST(IflistDecode, AMessageEndingInsideItsSockaddrHasNoName) {
  ByteVec m = ifinfo2({.name = "en0"});
  m.resize(kIfMsghdr2Bytes + 10);  // sdl_len says 20
  put(m, 0, m.size(), 2);
  EXPECT_EQ(interface_name(Cut(m, m.size()).span()), "");
  EXPECT_EQ(interface_name(Cut(m, kIfMsghdr2Bytes).span()), "");
}

TEST(IflistDecode, FieldsByRegistryName) {
  for (const char* name :
       {"ibytes", "obytes", "ipackets", "opackets", "ierrors", "oerrors", "imcasts", "omcasts",
        "iqdrops", "collisions", "noproto", "mtu", "baudrate", "flags", "up", "running"}) {
    EXPECT_NE(find_interface_field(name), nullptr) << name;
  }
  EXPECT_EQ(find_interface_field("speed"), nullptr);
  const ByteVec m = ifinfo2({.name = "en0"});
  EXPECT_EQ(
      decode_interface_field(Cut(m, kIfMsghdr2Bytes - 1).span(), *find_interface_field("flags"))
          .status,
      DecodeStatus::kTruncated);
}

// --- getfsstat -------------------------------------------------------------------------------

TEST(StatfsDecode, RecordsWithNamesAndSizes) {
  const ByteVec reply = mount_reply(
      {{.mount_point = "/", .device = "/dev/disk3s1s1", .fs_type = "apfs", .flags = kMntRdonly},
       {.mount_point = "/Volumes/NAS",
        .device = "//u@nas/share",
        .fs_type = "smbfs",
        .bsize = 1024,
        .blocks = 3,
        .zero_padded_names = false}});
  std::size_t count = 0;
  ASSERT_EQ(count_mounts(reply, count), DecodeStatus::kOk);
  ASSERT_EQ(count, 2u);
  MountRecord r;
  ASSERT_EQ(decode_mount(reply, 0, r), DecodeStatus::kOk);
  EXPECT_EQ(r.mount_point, "/");
  EXPECT_EQ(r.device, "/dev/disk3s1s1");
  EXPECT_EQ(r.fs_type, "apfs");
  const auto value = [&](std::string_view name) {
    const MountField* f = find_mount_field(name);
    EXPECT_NE(f, nullptr) << name;
    return f == nullptr ? Decoded{} : decode_mount_field(r, *f);
  };
  EXPECT_EQ(value("size").bits, 1000u * 4096);
  EXPECT_EQ(value("free").bits, 600u * 4096);
  EXPECT_EQ(value("avail").bits, 500u * 4096);
  EXPECT_EQ(value("files").bits, 9000u);
  EXPECT_EQ(value("files_free").bits, 8000u);
  EXPECT_EQ(value("readonly").bits, 1u);
  ASSERT_EQ(decode_mount(reply, 1, r), DecodeStatus::kOk);
  EXPECT_EQ(r.mount_point, "/Volumes/NAS");  // 0xEE after the NUL is not part of it
  EXPECT_EQ(r.device, "//u@nas/share");
  EXPECT_EQ(value("size").bits, 3u * 1024);
  EXPECT_EQ(value("readonly").bits, 0u);
  EXPECT_EQ(find_mount_field("purgeable"), nullptr);
}

TEST(StatfsDecode, ANameFillingItsArrayIsTakenWhole) {
  const ByteVec reply =
      statfs_record({.mount_point = "/x", .device = "d", .fs_type = std::string(16, 'f')});
  MountRecord r;
  ASSERT_EQ(decode_mount(reply, 0, r), DecodeStatus::kOk);
  EXPECT_EQ(r.fs_type, std::string(16, 'f'));
  EXPECT_EQ(r.mount_point, "/x");
}

TEST(StatfsDecode, PartialRecordsAndEmptyMountPointsAreRefused) {
  const ByteVec reply = mount_reply({{.mount_point = "/", .device = "d", .fs_type = "apfs"}});
  std::size_t count = 9;
  EXPECT_EQ(count_mounts({}, count), DecodeStatus::kOk);
  EXPECT_EQ(count, 0u);
  MountRecord r;
  for (const std::size_t n : {std::size_t{1}, std::size_t{88}, kStatfsBytes - 1}) {
    const Cut cut(reply, n);
    EXPECT_EQ(count_mounts(cut.span(), count), DecodeStatus::kBadLength) << n;
    EXPECT_EQ(decode_mount(cut.span(), 0, r), DecodeStatus::kTruncated) << n;
  }
  EXPECT_EQ(decode_mount(reply, 1, r), DecodeStatus::kTruncated);
  EXPECT_EQ(
      decode_mount(statfs_record({.mount_point = "", .device = "d", .fs_type = "apfs"}), 0, r),
      DecodeStatus::kMalformed);
}

TEST(StatfsDecode, ASizeBeyond64BitsIsOutOfRange) {
  const ByteVec reply = statfs_record({.mount_point = "/",
                                       .device = "d",
                                       .fs_type = "apfs",
                                       .bsize = 1u << 20,
                                       .blocks = 1ULL << 50});
  MountRecord r;
  ASSERT_EQ(decode_mount(reply, 0, r), DecodeStatus::kOk);
  EXPECT_EQ(decode_mount_field(r, *find_mount_field("size")).status, DecodeStatus::kOutOfRange);
  EXPECT_EQ(decode_mount_field(r, *find_mount_field("free")).status, DecodeStatus::kOk);
  const MountRecord short_record{"/", "d", "apfs", Bytes(reply.data(), 100)};
  EXPECT_EQ(decode_mount_field(short_record, *find_mount_field("files")).status,
            DecodeStatus::kTruncated);
}

}  // namespace
}  // namespace sysring::broker::darwin
