// The kernel's CPU list format, and reading it under a sys root.
#include "counters/perf/cpu_list.hpp"

#include <gtest/gtest.h>

#include "perf_test_support.hpp"

namespace sysring::broker::counters::perf {
namespace {

using Cpus = std::vector<std::uint32_t>;

TEST(CpuList, ParsesRangesAndSingles) {
  EXPECT_EQ(parse_cpu_list("0-3,8,10-11\n"), (Cpus{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(parse_cpu_list("0\n"), (Cpus{0}));
  EXPECT_EQ(parse_cpu_list("3,1,1-2"), (Cpus{1, 2, 3}));  // sorted, without duplicates
}

TEST(CpuList, EmptyMeansNoCpus) {
  EXPECT_EQ(parse_cpu_list("\n"), Cpus{});
  EXPECT_EQ(parse_cpu_list(""), Cpus{});
}

TEST(CpuList, RefusesMalformedText) {
  for (const char* bad :
       {"a", "1-", "-1", "3-1", "0,", ",0", "0,,1", "1 2", "0x1", "4294967296", "0-99999999"}) {
    EXPECT_EQ(parse_cpu_list(bad), std::nullopt) << bad;
  }
}

TEST(CpuList, ReadsUnderSysRoot) {
  test::FixtureRoot root;
  root.set_cpus("0-7", "0-2,5");
  std::string error;
  EXPECT_EQ(read_cpu_list(root.sys(), "possible", error), (Cpus{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(read_cpu_list(root.sys(), "online", error), (Cpus{0, 1, 2, 5}));
  EXPECT_TRUE(error.empty());
}

TEST(CpuList, MissingOrBadFileNamesThePath) {
  test::FixtureRoot root;
  std::string error;
  EXPECT_EQ(read_cpu_list(root.sys(), "online", error), std::nullopt);
  EXPECT_NE(error.find(root.sys() + "/devices/system/cpu/online"), std::string::npos) << error;
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;

  root.write("sys/devices/system/cpu/online", "garbage\n");
  error.clear();
  EXPECT_EQ(read_cpu_list(root.sys(), "online", error), std::nullopt);
  EXPECT_NE(error.find("not a CPU list"), std::string::npos) << error;
}

}  // namespace
}  // namespace sysring::broker::counters::perf
