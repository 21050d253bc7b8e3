// The RTM_GETLINK dump parser over byte fixtures: dumps built here message by message, malformed
// ones (lengths out of bounds, truncations, errors), and one dump captured from a real kernel.
// Every input sits in a vector of its exact size, so a read past it is a sanitizer error.
#include "sources/linux/rtnetlink_parser.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <vector>

#include "rtnetlink_bytes.hpp"
#include "sources/linux/netif_labels.hpp"

namespace sysring::broker::linux_instances {
namespace {

using test::Bytes;
using test::LinkSpec;
namespace rt = rtnetlink;

struct Walk {
  Bytes bytes;  // what the links' names point into
  std::vector<LinkRecord> links;
  DumpStatus status = DumpStatus::kUnfinished;
  int error = 0;
  bool interrupted = false;
};

Walk walk(const Bytes& bytes) {
  Walk out;
  out.bytes.assign(bytes.begin(), bytes.end());  // allocated to its size: see the top of the file
  LinkDumpReader reader(out.bytes);
  LinkRecord link;
  while (reader.next(link)) out.links.push_back(link);
  EXPECT_FALSE(reader.next(link)) << "a stopped reader stays stopped";
  out.status = reader.status();
  out.error = reader.error();
  out.interrupted = reader.interrupted();
  return out;
}

LinkSpec eth0() {
  LinkSpec l;
  l.name = "eth0";
  l.index = 4;
  l.flags = test::kIffUp | test::kIffBroadcast | test::kIffMulticast | test::kIffRunning |
            test::kIffLowerUp;
  l.operstate = 6;
  l.carrier = 1;
  l.carrier_changes = 2;
  l.mtu = 1400;
  l.tx_queue_len = 1000;
  l.stats = test::numbered_stats(100);
  return l;
}

TEST(RtnetlinkParser, ReadsEveryLinkInOrderAndEndsAtDone) {
  LinkSpec lo;
  lo.name = "lo";
  lo.index = 1;
  lo.flags = test::kIffUp | test::kIffLoopback | test::kIffRunning | test::kIffLowerUp;
  lo.operstate = 0;
  lo.mtu = 65536;
  const Walk w = walk(test::dump_of({lo, eth0()}));
  EXPECT_EQ(w.status, DumpStatus::kDone);
  EXPECT_EQ(w.error, 0);
  EXPECT_FALSE(w.interrupted);
  ASSERT_EQ(w.links.size(), 2U);
  EXPECT_EQ(w.links[0].name, "lo");
  EXPECT_EQ(w.links[0].index, 1);
  EXPECT_EQ(w.links[0].operstate, 0U);
  EXPECT_EQ(w.links[0].mtu, 65536U);
  const LinkRecord& e = w.links[1];
  EXPECT_EQ(e.name, "eth0");
  EXPECT_EQ(e.index, 4);
  EXPECT_EQ(e.flags, 0x11043U);
  EXPECT_EQ(e.operstate, 6U);
  EXPECT_EQ(e.carrier, 1U);
  EXPECT_EQ(e.carrier_changes, 2U);
  EXPECT_EQ(e.mtu, 1400U);
  EXPECT_EQ(e.tx_queue_len, 1000U);
  for (const LinkAttribute a :
       {LinkAttribute::kOperstate, LinkAttribute::kCarrier, LinkAttribute::kCarrierChanges,
        LinkAttribute::kMtu, LinkAttribute::kTxQueueLen, LinkAttribute::kStats64}) {
    EXPECT_TRUE(e.has(a)) << static_cast<int>(a);
  }
}

TEST(RtnetlinkParser, Stats64AreFoldedAsProcNetDevPrintsThem) {
  // Field i of rtnl_link_stats64 is 100 + i: rx_packets 100, tx_packets 101, rx_bytes 102, ...
  const Walk w = walk(test::dump_of({eth0()}));
  ASSERT_EQ(w.links.size(), 1U);
  const std::array<std::uint64_t, kNetdevFields> expected = {
      102,                    // rx_bytes
      100,                    // rx_packets
      104,                    // rx_errors
      106 + 115,              // rx_dropped + rx_missed_errors
      114,                    // rx_fifo_errors
      110 + 111 + 112 + 113,  // rx_length + rx_over + rx_crc + rx_frame errors
      121,                    // rx_compressed
      108,                    // multicast
      103,                    // tx_bytes
      101,                    // tx_packets
      105,                    // tx_errors
      107,                    // tx_dropped
      118,                    // tx_fifo_errors
      109,                    // collisions
      117 + 116 + 120 + 119,  // tx_carrier + tx_aborted + tx_window + tx_heartbeat errors
      122,                    // tx_compressed
  };
  EXPECT_EQ(w.links[0].netdev, expected);
}

TEST(RtnetlinkParser, FoldedCountersWrapAsTheKernelsDo) {
  LinkSpec l = eth0();
  l.stats = rt::LinkStats64{};
  l.stats->rx_dropped = UINT64_MAX;
  l.stats->rx_missed_errors = 2;
  const Walk w = walk(test::dump_of({l}));
  ASSERT_EQ(w.links.size(), 1U);
  EXPECT_EQ(w.links[0].netdev[3], 1U);
}

TEST(RtnetlinkParser, AttributesAMessageLacksAreNotPresent) {
  LinkSpec bare;
  bare.name = "bare0";
  bare.operstate.reset();
  bare.carrier.reset();
  bare.carrier_changes.reset();
  bare.mtu.reset();
  bare.tx_queue_len.reset();
  bare.carrier_up_count.reset();
  bare.carrier_down_count.reset();
  bare.address.clear();
  bare.broadcast.clear();
  bare.stats.reset();
  const Walk w = walk(test::dump_of({bare}));
  EXPECT_EQ(w.status, DumpStatus::kDone);
  ASSERT_EQ(w.links.size(), 1U);
  EXPECT_EQ(w.links[0].name, "bare0");
  EXPECT_EQ(w.links[0].present, 0U);
  EXPECT_EQ(w.links[0].netdev, (std::array<std::uint64_t, kNetdevFields>{}));
  EXPECT_TRUE(w.links[0].address.empty());
  EXPECT_EQ(w.links[0].alias, "");
}

TEST(RtnetlinkParser, AMessageWithNoAttributeAtAllIsALinkWithoutAName) {
  const Bytes ifinfo(rt::kIfinfoBytes);
  Bytes bytes = test::message(rt::kNewLink, test::kNlmFMulti, 1, ifinfo);
  test::append(bytes, test::done_message());
  const Walk w = walk(bytes);
  EXPECT_EQ(w.status, DumpStatus::kDone);
  ASSERT_EQ(w.links.size(), 1U);
  EXPECT_TRUE(w.links[0].name.empty());
  EXPECT_EQ(w.links[0].present, 0U);
}

TEST(RtnetlinkParser, ANameWithoutItsNulIsTakenWhole) {
  Bytes payload(rt::kIfinfoBytes);
  const std::array<std::byte, 4> name = {std::byte{'e'}, std::byte{'t'}, std::byte{'h'},
                                         std::byte{'0'}};
  test::append_attribute(payload, rt::kIfname, name);
  Bytes bytes = test::message(rt::kNewLink, test::kNlmFMulti, 1, payload);
  test::append(bytes, test::done_message());
  const Walk w = walk(bytes);
  ASSERT_EQ(w.links.size(), 1U);
  EXPECT_EQ(w.links[0].name, "eth0");
}

TEST(RtnetlinkParser, SkipsNoopAndOtherMessageTypesAndMasksAttributeFlags) {
  Bytes bytes = test::message(rt::kNoop, 0, 1, {});
  test::append(bytes, test::message(24, test::kNlmFMulti, 1, Bytes(12)));  // RTM_NEWROUTE
  Bytes payload(rt::kIfinfoBytes);
  test::append_attribute_value(payload, static_cast<std::uint16_t>(rt::kMtu | 0x4000),
                               std::uint32_t{9000});  // NLA_F_NET_BYTEORDER set
  test::append(bytes, test::message(rt::kNewLink, test::kNlmFMulti, 1, payload));
  test::append(bytes, test::done_message());
  const Walk w = walk(bytes);
  EXPECT_EQ(w.status, DumpStatus::kDone);
  ASSERT_EQ(w.links.size(), 1U);
  EXPECT_TRUE(w.links[0].has(LinkAttribute::kMtu));
  EXPECT_EQ(w.links[0].mtu, 9000U);
}

TEST(RtnetlinkParser, AnInterruptedDumpIsReported) {
  Bytes bytes = test::link_message(eth0(), 1, test::kNlmFMulti | rt::kFlagDumpInterrupted);
  test::append(bytes, test::done_message());
  const Walk w = walk(bytes);
  EXPECT_EQ(w.status, DumpStatus::kDone);
  EXPECT_TRUE(w.interrupted);
  EXPECT_EQ(w.links.size(), 1U);
}

TEST(RtnetlinkParser, ErrorsEndTheDumpAsFailedWithTheirErrno) {
  Bytes error = test::link_message(eth0());
  test::append(error, test::error_message(1, -EBUSY));
  Walk w = walk(error);
  EXPECT_EQ(w.status, DumpStatus::kFailed);
  EXPECT_EQ(w.error, EBUSY);
  EXPECT_EQ(w.links.size(), 1U) << "the links before the error were read";

  w = walk(test::done_message(1, -EMSGSIZE));
  EXPECT_EQ(w.status, DumpStatus::kFailed);
  EXPECT_EQ(w.error, EMSGSIZE);

  w = walk(test::message(rt::kOverrun, 0, 1, {}));
  EXPECT_EQ(w.status, DumpStatus::kFailed);
  EXPECT_EQ(w.error, ENOBUFS);

  w = walk(test::error_message(1, 0));  // an ACK: not part of a dump reply
  EXPECT_EQ(w.status, DumpStatus::kFailed);
  EXPECT_EQ(w.error, EPROTO);
}

TEST(RtnetlinkParser, ADoneWithoutItsErrorFieldIsAPlainEnd) {
  const Walk w = walk(test::message(rt::kDone, test::kNlmFMulti, 1, {}));
  EXPECT_EQ(w.status, DumpStatus::kDone);
}

TEST(RtnetlinkParser, BytesEndingBetweenMessagesAreUnfinished) {
  EXPECT_EQ(walk(test::link_message(eth0())).status, DumpStatus::kUnfinished);
  EXPECT_EQ(walk(Bytes{}).status, DumpStatus::kUnfinished);
}

TEST(RtnetlinkParser, LengthsOutOfBoundsStopTheWalkAsMalformed) {
  const Bytes good = test::dump_of({eth0(), eth0()});
  const std::size_t second = test::link_message(eth0()).size();
  struct Case {
    const char* what;
    std::size_t offset;  // in the second message
    std::uint32_t value;
    bool u16;
  };
  const std::vector<Case> cases = {
      {"message length 0", 0, 0, false},
      {"message length below its header", 0, 15, false},
      {"message length past the bytes", 0, static_cast<std::uint32_t>(good.size()), false},
      {"message shorter than ifinfomsg", 0, 20, false},
      {"attribute length 0", 32, 0, true},
      {"attribute length below its header", 32, 3, true},
      {"attribute length past its message", 32, 0xfff0, true},
  };
  for (const Case& c : cases) {
    Bytes bytes = good;
    if (c.u16) {
      test::overwrite(bytes, second + c.offset, static_cast<std::uint16_t>(c.value));
    } else {
      test::overwrite(bytes, second + c.offset, c.value);
    }
    const Walk w = walk(bytes);
    EXPECT_EQ(w.status, DumpStatus::kMalformed) << c.what;
    EXPECT_EQ(w.links.size(), 1U) << c.what << ": the first link was read";
  }
}

TEST(RtnetlinkParser, AnAttributePayloadTooShortForItsTypeIsMalformed) {
  for (const std::uint16_t type : {rt::kMtu, rt::kTxQueueLen, rt::kCarrierChanges, rt::kOperstate,
                                   rt::kCarrier, rt::kStats64}) {
    Bytes payload(rt::kIfinfoBytes);
    test::append_attribute(payload, type, {});
    Bytes bytes = test::message(rt::kNewLink, test::kNlmFMulti, 1, payload);
    test::append(bytes, test::done_message());
    EXPECT_EQ(walk(bytes).status, DumpStatus::kMalformed) << type;
  }
  Bytes payload(rt::kIfinfoBytes);
  test::append_attribute(payload, rt::kStats64, Bytes(sizeof(rt::LinkStats64) - 8));
  Bytes bytes = test::message(rt::kNewLink, test::kNlmFMulti, 1, payload);
  test::append(bytes, test::done_message());
  EXPECT_EQ(walk(bytes).status, DumpStatus::kMalformed)
      << "rtnl_link_stats64 without tx_compressed";
}

TEST(RtnetlinkParser, AnErrorMessageWithoutItsErrnoIsMalformed) {
  EXPECT_EQ(walk(test::message(rt::kError, 0, 1, {})).status, DumpStatus::kMalformed);
}

TEST(RtnetlinkParser, EveryTruncationEndsUnfinishedOrMalformed) {
  const Bytes whole = test::dump_of({eth0(), eth0()});
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
    const DumpStatus s = walk(cut).status;
    EXPECT_TRUE(s == DumpStatus::kUnfinished || s == DumpStatus::kMalformed) << n;
  }
}

TEST(RtnetlinkParser, RandomCorruptionNeverReadsPastTheBytes) {
  const Bytes whole = test::dump_of({eth0(), eth0(), eth0()});
  std::mt19937 random(20240611);
  std::uniform_int_distribution<std::size_t> position(0, whole.size() - 1);
  std::uniform_int_distribution<int> byte(0, 255);
  std::size_t done = 0;
  for (int round = 0; round < 3000; ++round) {
    Bytes bytes = whole;
    for (int i = 0; i < 1 + round % 4; ++i) bytes[position(random)] = std::byte(byte(random));
    const Walk w = walk(bytes);  // sanitizers catch a read out of bounds
    done += w.status == DumpStatus::kDone ? 1 : 0;
    EXPECT_LE(w.links.size(), 3U);
  }
  EXPECT_GT(done, 0U) << "some corruptions only touch values";
}

TEST(RtnetlinkParser, ScanChunkFindsTheEndOfTheDump) {
  Bytes links = test::link_message(eth0(), 7);
  test::append(links, test::link_message(eth0(), 7));
  ChunkScan scan = scan_chunk(links, 7);
  EXPECT_FALSE(scan.ends_dump);
  EXPECT_FALSE(scan.malformed);
  EXPECT_FALSE(scan.interrupted);

  EXPECT_TRUE(scan_chunk(test::done_message(7), 7).ends_dump);
  EXPECT_TRUE(scan_chunk(test::error_message(7, -EINVAL), 7).ends_dump);
  EXPECT_TRUE(scan_chunk(test::message(rt::kOverrun, 0, 7, {}), 7).ends_dump);

  scan = scan_chunk(test::link_message(eth0(), 7, test::kNlmFMulti | rt::kFlagDumpInterrupted), 7);
  EXPECT_TRUE(scan.interrupted);
  EXPECT_FALSE(scan.ends_dump);

  EXPECT_TRUE(scan_chunk(test::done_message(6), 7).malformed) << "another request's reply";
  Bytes zero = test::done_message(7);
  test::overwrite(zero, 0, std::uint32_t{0});
  EXPECT_TRUE(scan_chunk(zero, 7).malformed);
  const Bytes cut(links.begin(), links.begin() + 40);
  EXPECT_TRUE(scan_chunk(cut, 7).malformed);
  EXPECT_FALSE(scan_chunk(Bytes{}, 7).ends_dump);
}

// ---- A dump captured from a Linux 6.18 VM (lo, ifb0, ifb1 down, eth0 up), right after
// /proc/net/dev and sysfs gave the values below. ----

Bytes captured() {
  const std::filesystem::path path =
      std::filesystem::path(SYSRING_INSTANCE_FIXTURES) / "rtnetlink/getlink_dump.bin";
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> chars((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  Bytes out(chars.size());
  std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

TEST(RtnetlinkParser, ACapturedDumpGivesWhatProcNetDevAndSysfsGave) {
  const Bytes bytes = captured();
  ASSERT_EQ(bytes.size(), 4496U);
  const Walk w = walk(bytes);
  EXPECT_EQ(w.status, DumpStatus::kDone);
  ASSERT_EQ(w.links.size(), 4U);
  EXPECT_EQ(w.links[0].name, "lo");
  EXPECT_EQ(w.links[1].name, "ifb0");
  EXPECT_EQ(w.links[2].name, "ifb1");
  EXPECT_EQ(w.links[3].name, "eth0");
  // "    lo:    3267      29    0    0    0     0          0         0     3267      29 ..."
  const std::array<std::uint64_t, kNetdevFields> lo = {3267, 29, 0, 0, 0, 0, 0, 0,
                                                       3267, 29, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(w.links[0].netdev, lo);
  // "  eth0: 90764606    1989    0    0    0     0          0         0    92901    1304 ..."
  const std::array<std::uint64_t, kNetdevFields> eth0 = {90764606, 1989, 0, 0, 0, 0, 0, 0,
                                                         92901,    1304, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(w.links[3].netdev, eth0);
  // sysfs: operstate unknown/down/down/up; mtu 65536/1500/1500/1400; tx_queue_len
  // 1000/32/32/1000; carrier_changes 0/0/0/2; ifindex 1..4; carrier 1 (lo, eth0), EINVAL (ifb*,
  // down, though IFLA_CARRIER says 1).
  const std::array<std::uint8_t, 4> operstate = {0, 2, 2, 6};
  const std::array<std::uint32_t, 4> mtu = {65536, 1500, 1500, 1400};
  const std::array<std::uint32_t, 4> txqlen = {1000, 32, 32, 1000};
  const std::array<std::uint32_t, 4> carrier_changes = {0, 0, 0, 2};
  for (std::size_t i = 0; i < 4; ++i) {
    const LinkRecord& l = w.links[i];
    EXPECT_EQ(l.present, 0x1ffU) << l.name;  // rx_nohandler and the carrier up and down counts too
    EXPECT_EQ(l.index, static_cast<std::int32_t>(i + 1)) << l.name;
    EXPECT_EQ(l.operstate, operstate[i]) << l.name;
    EXPECT_EQ(l.mtu, mtu[i]) << l.name;
    EXPECT_EQ(l.tx_queue_len, txqlen[i]) << l.name;
    EXPECT_EQ(l.carrier_changes, carrier_changes[i]) << l.name;
    EXPECT_EQ(l.carrier, 1U) << l.name;
  }
  // Labels: lo's addresses are zeros, the others' broadcast is Ethernet's; no alias is set.
  std::string text;
  format_hardware_address(w.links[0].address, text);
  EXPECT_EQ(text, "00:00:00:00:00:00");
  format_hardware_address(w.links[0].broadcast, text);
  EXPECT_EQ(text, "00:00:00:00:00:00");
  for (std::size_t i = 1; i < 4; ++i) {
    format_hardware_address(w.links[i].broadcast, text);
    EXPECT_EQ(text, "ff:ff:ff:ff:ff:ff") << w.links[i].name;
    EXPECT_EQ(w.links[i].address.size(), 6U) << w.links[i].name;
    EXPECT_EQ(w.links[i].alias, "") << w.links[i].name;
  }
  // ifi_flags is not sysfs `flags` (dev->flags): 0x9 0x82 0x82 0x1003 there.
  EXPECT_EQ(w.links[0].flags, 0x9U | test::kIffRunning | test::kIffLowerUp);
  EXPECT_EQ(w.links[1].flags, 0x82U);
  EXPECT_EQ(w.links[3].flags, 0x1003U | test::kIffRunning | test::kIffLowerUp);
  EXPECT_TRUE(scan_chunk(bytes, 1).ends_dump) << "its request was the socket's first";
  EXPECT_TRUE(scan_chunk(bytes, 2).malformed);
}

TEST(RtnetlinkParser, EveryTruncationOfTheCapturedDumpIsRefused) {
  const Bytes whole = captured();
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_NE(walk(cut).status, DumpStatus::kDone) << n;
  }
}

}  // namespace
}  // namespace sysring::broker::linux_instances
