// The summed kernel tables (table_sums.hpp) over byte fixtures.
#include "table_sums.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sysring::broker {
namespace {

constexpr std::size_t field(std::string_view name) {
  for (std::size_t i = 0; i < kConntrackStatFields.size(); ++i) {
    if (kConntrackStatFields[i] == name) return i;
  }
  return kConntrackStatFields.size();
}

TEST(ConntrackStat, ColumnsAreFoundByNameAndSummedOverCpus) {
  const std::string text =
      "entries  clashres found new invalid ignore delete chainlength insert insert_failed drop "
      "early_drop icmp_error  expect_new expect_create expect_delete search_restart\n"
      "00000021  00000000 00000003 00000000 0000000a 00000100 00000000 00000000 00000005 "
      "00000001 00000000 00000000 00000000  00000000 00000000 00000000 00000002\n"
      "00000021  00000000 00000004 00000000 00000001 00000001 00000000 00000000 00000006 "
      "00000000 00000002 00000001 00000000  00000000 00000000 00000000 00000000\n";
  const ConntrackStatTotals t = sum_conntrack_stat(text);
  EXPECT_FALSE(t.malformed);
  EXPECT_EQ(t.sums[field("found")], 7U);
  EXPECT_EQ(t.sums[field("invalid")], 11U);
  EXPECT_EQ(t.sums[field("ignore")], 257U);
  EXPECT_EQ(t.sums[field("insert")], 11U);
  EXPECT_EQ(t.sums[field("insert_failed")], 1U);
  EXPECT_EQ(t.sums[field("drop")], 2U);
  EXPECT_EQ(t.sums[field("early_drop")], 1U);
  EXPECT_EQ(t.sums[field("search_restart")], 2U);
  for (const bool present : t.present) EXPECT_TRUE(present);
}

TEST(ConntrackStat, AnOlderHeaderLacksColumnsAndBadLinesAreMalformed) {
  // 4.9 and older: "searched" instead of the later columns; no search_restart.
  const ConntrackStatTotals old = sum_conntrack_stat(
      "entries  searched found new invalid ignore delete delete_list insert insert_failed drop "
      "early_drop icmp_error  expect_new expect_create expect_delete\n"
      "00000001  00000000 0000000f 00000000 00000000 00000000 00000000 00000000 00000000 "
      "00000000 00000000 00000000 00000000  00000000 00000000 00000000\n");
  EXPECT_FALSE(old.malformed);
  EXPECT_EQ(old.sums[field("found")], 15U);
  EXPECT_FALSE(old.present[field("search_restart")]);
  EXPECT_TRUE(sum_conntrack_stat("").malformed);
  EXPECT_TRUE(sum_conntrack_stat("entries found\n00000001 zz\n").malformed);
  EXPECT_TRUE(sum_conntrack_stat("entries found\n00000001\n").malformed);  // short line
  EXPECT_FALSE(sum_conntrack_stat("entries found\n").malformed);           // no CPU line
}

TEST(UdpQueues, TxAndRxAreSummedOverSockets) {
  const UdpQueueTotals t = sum_udp_queues(
      "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
      "timeout inode ref pointer drops\n"
      "  100: 00000000:0044 00000000:0000 07 00000000:00000200 00:00000000 00000000     0 "
      "       0 15290 2 0000000000000000 0\n"
      "  200: 0100007F:0035 00000000:0000 07 00000010:00000001 00:00000000 00000000   101 "
      "       0 15291 2 0000000000000000 0\n");
  EXPECT_FALSE(t.malformed);
  EXPECT_EQ(t.tx, 0x10U);
  EXPECT_EQ(t.rx, 0x201U);
  const UdpQueueTotals none = sum_udp_queues("  sl  local_address ...\n");
  EXPECT_FALSE(none.malformed);
  EXPECT_EQ(none.tx + none.rx, 0U);
  EXPECT_TRUE(sum_udp_queues("header\n  1: a b 07 00000000\n").malformed);
  EXPECT_TRUE(sum_udp_queues("header\n  1: a b 07 0000000g:00000000\n").malformed);
}

TEST(ParseHex, WholeTokensOnly) {
  std::uint64_t v = 0;
  EXPECT_TRUE(parse_hex_u64("0000001f", v));
  EXPECT_EQ(v, 31U);
  for (const char* bad : {"", "0x1f", "1f ", "-1", "g"}) EXPECT_FALSE(parse_hex_u64(bad, v)) << bad;
  EXPECT_FALSE(parse_hex_u64("10000000000000000", v));  // past u64
}

}  // namespace
}  // namespace sysring::broker
