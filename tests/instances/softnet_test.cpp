// /proc/net/softnet_stat: the parser over byte fixtures (numbered lines of 5.14+, older lines
// numbered by the online CPUs) and the source attaching values to the cpu domain's instances.
#include "sources/linux/softnet_instances.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "linux_fixture_tree.hpp"
#include "recording_sink.hpp"
#include "sink_readings.hpp"
#include "sources/linux/softnet_parser.hpp"

namespace sysring::broker::linux_instances {
namespace {

using test::FixtureTree;
using test::ok_bits;
using test::RecordingSink;

constexpr std::uint16_t kProcessed = 792;
constexpr std::uint16_t kDropped = 793;
constexpr std::uint16_t kTimeSqueeze = 794;

std::vector<SoftnetLine> lines(std::string_view text, std::vector<std::uint32_t> online = {}) {
  std::vector<SoftnetLine> out;
  SoftnetLineReader reader(text, online);
  SoftnetLine line;
  while (reader.next(line)) out.push_back(line);
  return out;
}

// Two CPUs, CPU 1 offline: the kernel prints CPUs 0 and 2, numbered.
constexpr std::string_view kNumbered =
    "000007d4 00000001 00000002 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
    "00000000 00000000 00000000 00000000 00000000\n"
    "000001f7 00000000 00000003 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
    "00000000 00000000 00000002 00000000 00000000\n";

TEST(SoftnetParser, TheThirteenthFieldIsTheCpu) {
  const auto got = lines(kNumbered);
  ASSERT_EQ(got.size(), 2U);
  EXPECT_EQ(got[0].cpu, 0U);
  EXPECT_EQ(got[0].fields, (std::array<std::uint64_t, 3>{0x7d4, 1, 2}));
  EXPECT_EQ(got[1].cpu, 2U);
  EXPECT_EQ(got[1].fields, (std::array<std::uint64_t, 3>{0x1f7, 0, 3}));
  EXPECT_TRUE(got[1].numbered);
}

TEST(SoftnetParser, OlderLinesAreTheOnlineCpusInOrder) {
  const std::string old =
      "0000000a 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
      "00000000\n"
      "0000000b 00000000 00000001 00000000 00000000 00000000 00000000 00000000 00000000 00000000 "
      "00000000\n";
  const auto got = lines(old, {0, 3});
  ASSERT_EQ(got.size(), 2U);
  EXPECT_FALSE(got[0].numbered);
  EXPECT_EQ(got[0].cpu, 0U);
  EXPECT_EQ(got[1].cpu, 3U);
  EXPECT_EQ(lines(old)[1].cpu, 1U) << "without the online list: the position";
  EXPECT_TRUE(lines("0000000a 00000000\nzz 1 2\n\n").empty()) << "short or not hex: skipped";
}

TEST(SoftnetParser, CpuListMembers) {
  std::vector<std::uint32_t> out;
  EXPECT_TRUE(cpu_list_members("0-2,5\n", out));
  EXPECT_EQ(out, (std::vector<std::uint32_t>{0, 1, 2, 5}));
  EXPECT_TRUE(cpu_list_members("", out));
  EXPECT_TRUE(out.empty());
  for (const char* bad : {"3-1", "a", "0-", "0-70000"}) {
    EXPECT_FALSE(cpu_list_members(bad, out)) << bad;
    EXPECT_TRUE(out.empty());
  }
}

class SoftnetSource : public ::testing::Test {
 protected:
  // The cpu domain's owner would have reported these instances.
  void present_cpus(RecordingSink& sink, std::initializer_list<const char*> names) {
    sink.begin();
    for (const char* name : names) sink.present(name, {});
  }
  const std::vector<registry::RegistryEntry> rows_ = test::linux_rows(InstanceDomain::Cpu);
};

TEST_F(SoftnetSource, AttachesValuesToLiveCpusOnly) {
  FixtureTree tree("cpu_two");
  tree.rewrite("proc/net/softnet_stat", kNumbered);
  SoftnetInstances source(rows_, tree.config());
  EXPECT_FALSE(source.owns_domain());
  ASSERT_EQ(source.families().size(), 3U) << "the softnet rows of the cpu domain, nothing else";
  for (const std::uint16_t id : source.families()) {
    EXPECT_TRUE(source.availability(id).available) << source.availability(id).reason;
  }
  RecordingSink sink;
  present_cpus(sink, {"cpu0", "cpu1"});  // cpu2's line has no instance: skipped
  source.refresh(sink);
  EXPECT_EQ(ok_bits(sink, kProcessed, "cpu0"), 0x7d4U);
  EXPECT_EQ(ok_bits(sink, kDropped, "cpu0"), 1U);
  EXPECT_EQ(ok_bits(sink, kTimeSqueeze, "cpu0"), 2U);
  EXPECT_EQ(sink.reading(kProcessed, "cpu1"), nullptr) << "CPU 1 has no line";
  EXPECT_EQ(sink.reading(kProcessed, "cpu2"), nullptr);

  sink.unwanted = {kProcessed, kDropped, kTimeSqueeze};
  present_cpus(sink, {"cpu0"});
  source.refresh(sink);
  EXPECT_EQ(sink.reading(kProcessed, "cpu0"), nullptr) << "nothing due: nothing read";
}

TEST_F(SoftnetSource, AnOlderKernelIsNumberedByTheOnlineCpus) {
  FixtureTree tree("cpu_two");  // online: 0-1
  tree.rewrite(
      "proc/net/softnet_stat",
      "00000005 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n"
      "00000006 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000\n");
  SoftnetInstances source(rows_, tree.config());
  RecordingSink sink;
  present_cpus(sink, {"cpu0", "cpu1"});
  source.refresh(sink);
  EXPECT_EQ(ok_bits(sink, kProcessed, "cpu0"), 5U);
  EXPECT_EQ(ok_bits(sink, kProcessed, "cpu1"), 6U);
}

TEST_F(SoftnetSource, WithoutTheFileTheFamiliesAreUnavailable) {
  FixtureTree tree("cpu_two");
  SoftnetInstances source(rows_, tree.config());
  for (const std::uint16_t id : {kProcessed, kDropped, kTimeSqueeze}) {
    EXPECT_EQ(source.availability(id).reason,
              tree.proc() + "/net/softnet_stat: No such file or directory");
  }
}

TEST(SoftnetRealProc, EveryOnlineCpuHasALine) {
  if (!std::filesystem::exists("/proc/net/softnet_stat")) GTEST_SKIP() << "no softnet_stat here";
  const auto rows = test::linux_rows(InstanceDomain::Cpu);
  SoftnetInstances source(rows, InstanceConfig{});
  RecordingSink sink;
  sink.begin();
  const long online = sysconf(_SC_NPROCESSORS_ONLN);
  for (long cpu = 0; cpu < online; ++cpu) sink.present("cpu" + std::to_string(cpu), {});
  source.refresh(sink);
  for (long cpu = 0; cpu < online; ++cpu) {
    EXPECT_TRUE(ok_bits(sink, kProcessed, "cpu" + std::to_string(cpu)).has_value()) << cpu;
  }
}

}  // namespace
}  // namespace sysring::broker::linux_instances
