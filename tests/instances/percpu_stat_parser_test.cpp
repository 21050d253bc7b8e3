// The per-CPU /proc/stat line reader over byte fixtures: real lines, old kernels, malformed.
#include "sources/linux/percpu_stat_parser.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sysring::broker::linux_instances {
namespace {

std::vector<CpuLine> lines_of(std::string_view text) {
  std::vector<CpuLine> out;
  CpuLineReader reader(text);
  CpuLine line;
  while (reader.next(line)) out.push_back(line);
  return out;
}

TEST(PercpuStatParser, ReadsEachCpuLineAndSkipsTheAggregateAndOtherLines) {
  const auto lines = lines_of(
      "cpu  110609 0 12756 150190 575 0 101 672 0 0\n"
      "cpu0 54891 0 6441 75590 170 0 35 348 0 0\n"
      "cpu1 55717 1 6314 74599 405 2 65 323 4 5\n"
      "intr 551611 0 0 0 0\n"
      "ctxt 412016\n"
      "btime 1700000000\n"
      "softirq 100 1 2 3\n");
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].name, "cpu0");
  EXPECT_EQ(lines[0].number, "0");
  EXPECT_EQ(lines[0].cpu, 0U);
  EXPECT_EQ(lines[0].field_count, 10U);
  EXPECT_EQ(lines[0].fields[0], 54891U);
  EXPECT_EQ(lines[0].fields[3], 75590U);
  EXPECT_EQ(lines[1].name, "cpu1");
  EXPECT_EQ(lines[1].cpu, 1U);
  const std::array<std::uint64_t, kCpuTimeFields> expected = {55717, 1,  6314, 74599, 405,
                                                              2,     65, 323,  4,     5};
  EXPECT_EQ(lines[1].fields, expected);
}

TEST(PercpuStatParser, CountsTheFieldsAnOlderKernelPrints) {
  // 2.6.24 to 2.6.32: no guest_nice; before 2.6.11 there was no steal either.
  const auto lines = lines_of("cpu5 1 2 3 4 5 6 7 8 9\ncpu12 1 2 3 4 5 6 7\n");
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0].field_count, 9U);
  EXPECT_EQ(lines[0].cpu, 5U);
  EXPECT_EQ(lines[1].field_count, 7U);
  EXPECT_EQ(lines[1].name, "cpu12");
  EXPECT_EQ(lines[1].number, "12");
}

TEST(PercpuStatParser, IgnoresFieldsPastGuestNice) {
  const auto lines = lines_of("cpu0 1 2 3 4 5 6 7 8 9 10 11 12\n");
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(lines[0].field_count, kCpuTimeFields);
  EXPECT_EQ(lines[0].fields[9], 10U);
}

TEST(PercpuStatParser, SkipsMalformedNamesAndStopsFieldsAtANonNumber) {
  const auto lines = lines_of(
      "cpufreq 1 2 3\n"
      "cpu-1 1 2 3\n"
      "cpu+1 1 2 3\n"
      "cpu99999999999 1 2 3\n"
      "cpu3x 1 2 3\n"
      "\n"
      "   \n"
      "cpu2 10 20 -30 40\n"
      "cpu4\n"
      "cpu7 1 2 3");  // no final newline
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_EQ(lines[0].name, "cpu2");
  EXPECT_EQ(lines[0].field_count, 2U);
  EXPECT_EQ(lines[1].name, "cpu4");
  EXPECT_EQ(lines[1].field_count, 0U);
  EXPECT_EQ(lines[2].name, "cpu7");
  EXPECT_EQ(lines[2].field_count, 3U);
}

TEST(PercpuStatParser, EmptyAndBinaryInputGiveNothing) {
  EXPECT_TRUE(lines_of("").empty());
  EXPECT_TRUE(lines_of(std::string("\0\0\0cpu0 1\0", 10)).empty());
  EXPECT_TRUE(lines_of("\n\n\n").empty());
}

}  // namespace
}  // namespace sysring::broker::linux_instances
