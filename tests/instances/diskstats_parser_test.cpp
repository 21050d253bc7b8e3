// The /proc/diskstats line reader over byte fixtures: 4.17-, 4.18- and 5.5-style lines, long
// device names, malformed lines.
#include "sources/linux/diskstats_parser.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sysring::broker::linux_instances {
namespace {

std::vector<DiskLine> lines_of(std::string_view text) {
  std::vector<DiskLine> out;
  DiskLineReader reader(text);
  DiskLine line;
  while (reader.next(line)) out.push_back(line);
  return out;
}

TEST(DiskstatsParser, ReadsA55StyleLineWithTwentyFields) {
  const auto lines = lines_of(
      " 254       0 vda 22205 6079 2915898 23658 19098 8598 3946568 20757 0 12992 47181 5128 64 "
      "2424560 2553 319 212\n");
  ASSERT_EQ(lines.size(), 1U);
  const DiskLine& d = lines[0];
  EXPECT_EQ(d.major, 254U);
  EXPECT_EQ(d.minor, 0U);
  EXPECT_EQ(d.name, "vda");
  EXPECT_EQ(d.field_count, 17U);
  const std::array<std::uint64_t, kDiskStatFields> expected = {
      22205, 6079,  2915898, 23658, 19098,   8598, 3946568, 20757, 0,
      12992, 47181, 5128,    64,    2424560, 2553, 319,     212};
  EXPECT_EQ(d.fields, expected);
}

TEST(DiskstatsParser, ReadsA418StyleLineWithEighteenFields) {
  const auto lines = lines_of(
      "   8       0 sda 446216 784926 9550688 4382310 424847 312726 5922052 19310380 0 3376340 "
      "23705160 12 0 96 4\n");
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].field_count, 15U);
  EXPECT_EQ(lines[0].fields[13], 96U);
}

TEST(DiskstatsParser, ReadsAnOlderLineWithFourteenFields) {
  const auto lines = lines_of(
      "   8       0 sda 446216 784926 9550688 4382310 424847 312726 5922052 19310380 0 3376340 "
      "23705160\n"
      "   8       1 sda1 446100 784926 9549000 4382000 424800 312726 5922000 19310000 0 3376000 "
      "23705000\n");
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].name, "sda");
  EXPECT_EQ(lines[0].field_count, 11U);
  EXPECT_EQ(lines[0].fields[10], 23705160U);
  EXPECT_EQ(lines[1].name, "sda1");
  EXPECT_EQ(lines[1].minor, 1U);
}

TEST(DiskstatsParser, KeepsLongDeviceNamesAndIgnoresFieldsANewerKernelAdds) {
  const auto lines = lines_of(
      " 259 65536 nvme10n12p3 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19\n"
      " 253   3 dm-3 1 2 3 4 5 6 7 8 9 10 11\n");
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].name, "nvme10n12p3");
  EXPECT_EQ(lines[0].minor, 65536U);
  EXPECT_EQ(lines[0].field_count, kDiskStatFields);
  EXPECT_EQ(lines[0].fields[16], 17U);
  EXPECT_EQ(lines[1].name, "dm-3");
}

TEST(DiskstatsParser, SkipsMalformedLinesAndStopsFieldsAtANonNumber) {
  const auto lines = lines_of(
      "garbage\n"
      "\n"
      "   8\n"
      "   8 0\n"
      "   8 0 sdz\n"
      "   x 0 sdy 1 2 3\n"
      "   8 y sdx 1 2 3\n"
      "   8 0 sdw notanumber 2 3\n"
      "   8 16 sdb 1 2 -3 4\n"
      "   8 32 sdc 99999999999999999999 1\n"
      "   8 48 sdd 5 6 7");  // no final newline
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].name, "sdb");
  EXPECT_EQ(lines[0].field_count, 2U);
  EXPECT_EQ(lines[1].name, "sdd");
  EXPECT_EQ(lines[1].field_count, 3U);
}

TEST(DiskstatsParser, EmptyInputGivesNothing) {
  EXPECT_TRUE(lines_of("").empty());
  EXPECT_TRUE(lines_of("\n \n\t\n").empty());
}

}  // namespace
}  // namespace sysring::broker::linux_instances
