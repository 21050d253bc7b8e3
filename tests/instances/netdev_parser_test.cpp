// The /proc/net/dev line reader over byte fixtures: headers, long names, no space after the
// colon, malformed lines.
#include "sources/linux/netdev_parser.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sysring::broker::linux_instances {
namespace {

std::vector<NetdevLine> lines_of(std::string_view text) {
  std::vector<NetdevLine> out;
  NetdevLineReader reader(text);
  NetdevLine line;
  while (reader.next(line)) out.push_back(line);
  return out;
}

constexpr std::string_view kHeader =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n";

TEST(NetdevParser, SkipsTheHeaderAndReadsEveryInterface) {
  const std::string text =
      std::string(kHeader) +
      "    lo:    3267      29    0    0    0     0          0         0     3267      29    0    "
      "0    0     0       0          0\n"
      "  eth0: 18727492     606    1    2    3     4          5         6    34577     442    7  "
      "  8    9    10      11         12\n";
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].name, "lo");
  EXPECT_EQ(lines[0].field_count, 16U);
  EXPECT_EQ(lines[0].fields[0], 3267U);
  EXPECT_EQ(lines[0].fields[9], 29U);
  EXPECT_EQ(lines[1].name, "eth0");
  const std::array<std::uint64_t, kNetdevFields> expected = {18727492, 606, 1, 2, 3, 4,  5,  6,
                                                             34577,    442, 7, 8, 9, 10, 11, 12};
  EXPECT_EQ(lines[1].fields, expected);
}

TEST(NetdevParser, ReadsLongNamesAndLinesWithNoSpaceAfterTheColon) {
  const auto lines = lines_of(
      "veth1a2b3c4d5e6: 1000 10 0 0 0 0 0 1 2000 20 0 0 0 0 0 0\n"
      "eth0:123 4 0 0 0 0 0 0 567 8 0 0 0 0 0 0\n"
      "wlp0s20f3:18446744073709551615 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0].name, "veth1a2b3c4d5e6");
  EXPECT_EQ(lines[0].fields[8], 2000U);
  EXPECT_EQ(lines[1].name, "eth0");
  EXPECT_EQ(lines[1].fields[0], 123U);
  EXPECT_EQ(lines[1].fields[8], 567U);
  EXPECT_EQ(lines[1].field_count, 16U);
  EXPECT_EQ(lines[2].name, "wlp0s20f3");
  EXPECT_EQ(lines[2].fields[0], UINT64_MAX);
}

TEST(NetdevParser, SkipsMalformedLinesAndStopsFieldsAtANonNumber) {
  const auto lines = lines_of(
      "no colon here 1 2 3\n"
      ": 1 2 3\n"
      "   : 1 2 3\n"
      "two words: 1 2 3\n"
      "empty:\n"
      "bad: x 1 2\n"
      "short: 1 2 -3\n"
      "big: 99999999999999999999 1\n"
      "last: 5 6");  // no final newline
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].name, "short");
  EXPECT_EQ(lines[0].field_count, 2U);
  EXPECT_EQ(lines[1].name, "last");
  EXPECT_EQ(lines[1].field_count, 2U);
}

TEST(NetdevParser, HeaderOnlyAndEmptyInputGiveNothing) {
  EXPECT_TRUE(lines_of(kHeader).empty());
  EXPECT_TRUE(lines_of("").empty());
}

}  // namespace
}  // namespace sysring::broker::linux_instances
