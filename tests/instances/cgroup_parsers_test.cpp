// io.stat summing and the cgroup source syntax, over byte strings.
#include "sources/linux/cgroup_parsers.hpp"

#include <gtest/gtest.h>

#include <string_view>

namespace sysring::broker::linux_instances {
namespace {

TEST(IoStat, SumsEveryDeviceLine) {
  const IoStatTotals t = sum_io_stat(
      "8:0 rbytes=1000 wbytes=2000 rios=10 wios=20 dbytes=3 dios=1\n"
      "253:0 rbytes=500 wbytes=250 rios=5 wios=2 dbytes=0 dios=0\n");
  EXPECT_EQ(t.of(IoStatField::kRbytes), 1500U);
  EXPECT_EQ(t.of(IoStatField::kWbytes), 2250U);
  EXPECT_EQ(t.of(IoStatField::kRios), 15U);
  EXPECT_EQ(t.of(IoStatField::kWios), 22U);
  EXPECT_EQ(t.of(IoStatField::kDbytes), 3U);
  EXPECT_EQ(t.of(IoStatField::kDios), 1U);
}

TEST(IoStat, EmptyFileSumsToZero) {
  const IoStatTotals t = sum_io_stat("");
  for (const std::uint64_t v : t.sums) EXPECT_EQ(v, 0U);
}

TEST(IoStat, IgnoresOtherKeysAndSkipsMalformed) {
  const IoStatTotals t = sum_io_stat(
      "8:0 rbytes=7 wbytes=8 rios=1 wios=2 dbytes=0 dios=0 cost.vrate=100.00 cost.usage=12\n"
      "garbage rbytes=1000\n"             // no device number: skipped whole
      "8:16 rbytes=x wbytes=-1 rios=3\n"  // bad values skipped, good ones kept
      "8: rbytes=1000\n"                  // half a device number
      "8:32 rbytes wios=4 =5\n"           // tokens without a value
      "\n"
      "8:48 rbytes=99999999999999999999999\n");  // over u64
  EXPECT_EQ(t.of(IoStatField::kRbytes), 7U);
  EXPECT_EQ(t.of(IoStatField::kWbytes), 8U);
  EXPECT_EQ(t.of(IoStatField::kRios), 4U);
  EXPECT_EQ(t.of(IoStatField::kWios), 6U);
}

TEST(IoStat, FieldNames) {
  EXPECT_EQ(io_stat_field("rbytes"), IoStatField::kRbytes);
  EXPECT_EQ(io_stat_field("dios"), IoStatField::kDios);
  EXPECT_FALSE(io_stat_field("cost.usage").has_value());
  EXPECT_FALSE(io_stat_field("").has_value());
}

TEST(CgroupSourceSyntax, RegistryForms) {
  auto p = parse_cgroup_source("cgroup:cpu.stat:usage_usec");
  ASSERT_TRUE(p.source);
  EXPECT_EQ(p.source->file, CgroupFile::kCpuStat);
  EXPECT_EQ(p.source->key, "usage_usec");

  p = parse_cgroup_source("cgroup:memory.current");
  ASSERT_TRUE(p.source);
  EXPECT_EQ(p.source->file, CgroupFile::kMemoryCurrent);

  p = parse_cgroup_source("cgroup:io.stat:wios");
  ASSERT_TRUE(p.source);
  EXPECT_EQ(p.source->file, CgroupFile::kIoStat);
  EXPECT_EQ(p.source->io_field, IoStatField::kWios);

  p = parse_cgroup_source("cgroup:memory.pressure:full:total");
  ASSERT_TRUE(p.source);
  EXPECT_EQ(p.source->file, CgroupFile::kMemoryPressure);
  EXPECT_EQ(p.source->line, "full");
  EXPECT_EQ(p.source->key, "total");
  EXPECT_EQ(cgroup_file_name(p.source->file), "memory.pressure");
}

TEST(CgroupSourceSyntax, MistakesSayWhy) {
  for (const std::string_view bad :
       {"", "cgroup", "cgroup:", "cpu.stat:usage_usec", "cgroup:cpu.stat", "cgroup:cpu.stat:",
        "cgroup:cpu.stat:a:b", "cgroup:memory.current:x", "cgroup:io.stat", "cgroup:io.stat:cost",
        "cgroup:cpu.pressure", "cgroup:cpu.pressure:some", "cgroup:cpu.pressure:half:total",
        "cgroup:cpu.pressure:some:", "cgroup:memory.max", "cgroup:cgroup.procs"}) {
    const CgroupSourceParse p = parse_cgroup_source(bad);
    EXPECT_FALSE(p.source) << bad;
    EXPECT_FALSE(p.error.empty()) << bad;
  }
}

}  // namespace
}  // namespace sysring::broker::linux_instances
