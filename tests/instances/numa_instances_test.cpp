// The numa source over a fixture sysfs tree (two nodes) and this machine's: per-node meminfo
// in bytes and HugePages counts, numastat, nodes appearing and disappearing.
#include "sources/linux/numa_instances.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "allocation_count.hpp"
#include "family_row.hpp"
#include "linux_fixture_tree.hpp"
#include "recording_sink.hpp"
#include "sink_readings.hpp"
#include "sources/linux/numa_parsers.hpp"

namespace sysring::broker::linux_instances {
namespace {

using test::FixtureTree;
using test::ok_bits;
using test::RecordingSink;
using test::status_of;

constexpr std::uint16_t kMemTotal = 620;
constexpr std::uint16_t kMemFree = 621;
constexpr std::uint16_t kActiveAnon = 625;
constexpr std::uint16_t kSlabUnreclaimable = 639;
constexpr std::uint16_t kHugePagesTotal = 640;
constexpr std::uint16_t kHugePagesFree = 641;
constexpr std::uint16_t kNumaHit = 642;
constexpr std::uint16_t kNumaMiss = 643;
constexpr std::uint16_t kOtherNode = 647;

constexpr const char* kNodes = "sys/devices/system/node";

const std::vector<registry::RegistryEntry>& rows() {
  static const auto kRows = test::linux_rows(InstanceDomain::Numa);
  return kRows;
}

void refresh(InstanceSource& source, RecordingSink& sink) {
  sink.begin();
  source.refresh(sink);
}

TEST(NumaParsers, NodeDirectories) {
  std::uint32_t n = 99;
  EXPECT_TRUE(parse_node_directory("node0", n));
  EXPECT_EQ(n, 0U);
  EXPECT_TRUE(parse_node_directory("node17", n));
  EXPECT_EQ(n, 17U);
  for (const std::string_view other :
       {"node", "nodes", "node-1", "node1a", "online", "power", "Node1", "node99999999999"}) {
    EXPECT_FALSE(parse_node_directory(other, n)) << other;
  }
}

TEST(NumaParsers, MeminfoKeys) {
  EXPECT_EQ(node_meminfo_key("Node 0 MemTotal"), "MemTotal");
  EXPECT_EQ(node_meminfo_key("Node 12 Active(anon)"), "Active(anon)");
  EXPECT_EQ(node_meminfo_key("MemTotal"), "MemTotal");  // no prefix: as it is
  EXPECT_EQ(node_meminfo_key("Node x MemTotal"), "Node x MemTotal");
  EXPECT_EQ(node_meminfo_key("Node 0"), "Node 0");
  EXPECT_EQ(node_meminfo_key(""), "");
}

TEST(NumaInstances, FamiliesAndInstancesAtStart) {
  FixtureTree tree("numa_two");
  NumaInstances source(rows(), tree.config());
  EXPECT_EQ(source.domain(), InstanceDomain::Numa);
  EXPECT_EQ(source.families().size(), 28U);  // ids 620-647
  for (const std::uint16_t id : source.families()) {
    EXPECT_TRUE(source.availability(id).available) << id << source.availability(id).reason;
  }
  EXPECT_EQ(source.instances_at_start(), 2U);
}

TEST(NumaInstances, NodesLabelsAndValues) {
  FixtureTree tree("numa_two");
  NumaInstances source(rows(), tree.config());
  RecordingSink sink;
  refresh(source, sink);
  EXPECT_EQ(test::names(sink), (std::set<std::string>{"node0", "node1"}));
  EXPECT_EQ(sink.present().at("node1").labels.at("node"), "1");

  EXPECT_EQ(ok_bits(sink, kMemTotal, "node0"), 5990136ULL * 1024);
  EXPECT_EQ(ok_bits(sink, kMemFree, "node1"), 1633087ULL * 1024);
  EXPECT_EQ(ok_bits(sink, kActiveAnon, "node0"), 1968ULL * 1024);
  EXPECT_TRUE(ok_bits(sink, kSlabUnreclaimable, "node1").has_value());
  EXPECT_EQ(ok_bits(sink, kHugePagesTotal, "node0"), 8U);  // a count, not kB
  EXPECT_EQ(ok_bits(sink, kHugePagesFree, "node0"), 3U);
  EXPECT_EQ(ok_bits(sink, kHugePagesTotal, "node1"), 4U);
  EXPECT_EQ(ok_bits(sink, kNumaHit, "node0"), 16493095U);
  EXPECT_EQ(ok_bits(sink, kNumaMiss, "node1"), 7U);
  EXPECT_EQ(ok_bits(sink, kOtherNode, "node1"), 20U);
}

TEST(NumaInstances, ValuesFollowTheFiles) {
  FixtureTree tree("numa_two");
  NumaInstances source(rows(), tree.config());
  RecordingSink sink;
  refresh(source, sink);
  tree.rewrite(std::string(kNodes) + "/node0/numastat", "numa_hit 1\nnuma_miss 2\n");
  refresh(source, sink);
  EXPECT_EQ(ok_bits(sink, kNumaHit, "node0"), 1U);
  EXPECT_EQ(ok_bits(sink, kNumaMiss, "node0"), 2U);
  // Keys gone from the file: unavailable for this node, not zero.
  EXPECT_EQ(status_of(sink, kOtherNode, "node0"), layout::SlotStatus::kUnavailable);
  EXPECT_EQ(ok_bits(sink, kOtherNode, "node1"), 20U);
}

TEST(NumaInstances, OnlyWantedFamiliesAreReported) {
  FixtureTree tree("numa_two");
  NumaInstances source(rows(), tree.config());
  RecordingSink sink;
  for (const std::uint16_t id : source.families()) {
    if (id != kNumaHit) sink.unwanted.insert(id);
  }
  // meminfo, no family of which is due, is not read: garbage in it goes unnoticed.
  tree.rewrite(std::string(kNodes) + "/node0/meminfo", "Node 0 MemTotal: garbage kB\n");
  refresh(source, sink);
  EXPECT_EQ(test::names(sink), (std::set<std::string>{"node0", "node1"}));
  EXPECT_EQ(ok_bits(sink, kNumaHit, "node0"), 16493095U);
  EXPECT_EQ(sink.reading(kMemTotal, "node0"), nullptr);
  EXPECT_EQ(sink.reading(kNumaMiss, "node0"), nullptr);
}

TEST(NumaInstances, MalformedValuesAreReadErrors) {
  FixtureTree tree("numa_two");
  NumaInstances source(rows(), tree.config());
  tree.rewrite(std::string(kNodes) + "/node1/meminfo",
               "Node 1 MemTotal: lots kB\nNode 1 MemFree: 12 MB\ngarbage\n\nNode 1 Active: 5 kB\n");
  RecordingSink sink;
  refresh(source, sink);
  EXPECT_EQ(status_of(sink, kMemTotal, "node1"), layout::SlotStatus::kReadError);
  EXPECT_EQ(status_of(sink, kMemFree, "node1"), layout::SlotStatus::kReadError);  // unknown unit
  EXPECT_EQ(ok_bits(sink, 623, "node1"), 5U * 1024);
  EXPECT_EQ(status_of(sink, kHugePagesTotal, "node1"), layout::SlotStatus::kUnavailable);
}

TEST(NumaInstances, NodeAppearsAndDisappears) {
  FixtureTree tree("numa_two");
  NumaInstances source(rows(), tree.config());
  RecordingSink sink;
  refresh(source, sink);
  std::filesystem::copy(tree.path(std::string(kNodes) + "/node1"),
                        tree.path(std::string(kNodes) + "/node2"),
                        std::filesystem::copy_options::recursive);
  refresh(source, sink);
  EXPECT_EQ(test::names(sink), (std::set<std::string>{"node0", "node1", "node2"}));
  EXPECT_EQ(ok_bits(sink, kNumaMiss, "node2"), 7U);

  tree.remove(std::string(kNodes) + "/node0");
  refresh(source, sink);
  EXPECT_EQ(test::names(sink), (std::set<std::string>{"node1", "node2"}));
}

TEST(NumaInstances, NoNodeDirectoryIsUnavailable) {
  FixtureTree tree("numa_two");
  tree.remove(kNodes);
  NumaInstances source(rows(), tree.config());
  EXPECT_EQ(source.availability(kMemTotal).reason,
            tree.sys() + "/devices/system/node: No such file or directory");
  EXPECT_EQ(source.instances_at_start(), 0U);
  RecordingSink sink;
  refresh(source, sink);
  EXPECT_TRUE(sink.present().empty());
}

TEST(NumaInstances, KeyTheFirstNodeLacksIsUnavailable) {
  FixtureTree tree("numa_two");
  std::vector<registry::RegistryEntry> odd = rows();
  odd.push_back(odd.front());
  odd.back().id = 9001;
  odd.back().source = "node_meminfo:NoSuchKey";
  odd.push_back(odd.front());
  odd.back().id = 9002;
  odd.back().source = "vmstat:nr_free_pages";
  NumaInstances source(odd, tree.config());
  EXPECT_EQ(source.availability(9001).reason,
            tree.sys() + "/devices/system/node/node0/meminfo: no key NoSuchKey");
  EXPECT_FALSE(source.availability(9002).available);
  EXPECT_NE(source.availability(9002).reason.find("vmstat:nr_free_pages"), std::string::npos);
  RecordingSink sink;
  refresh(source, sink);
  EXPECT_EQ(sink.reading(9001, "node0"), nullptr);
}

TEST(NumaInstances, DirectoryUnreadableAfterStartReportsNothing) {
  FixtureTree tree("numa_two");
  NumaInstances source(rows(), tree.config());
  tree.remove(kNodes);  // the kept-open directory is now deleted: it lists nothing
  RecordingSink sink;
  refresh(source, sink);
  EXPECT_TRUE(sink.present().empty());
}

TEST(NumaInstances, SteadyRefreshDoesNotAllocate) {
  if (!test::kCountsAllocations) GTEST_SKIP() << "no allocation counting under ThreadSanitizer";
  FixtureTree tree("numa_two");
  NumaInstances source(rows(), tree.config());
  test::CountingSink sink;
  source.refresh(sink);
  const test::AllocationCount count;
  for (int i = 0; i < 10; ++i) source.refresh(sink);
  EXPECT_EQ(count.count(), 0U);
  EXPECT_EQ(sink.presents, 22U);
}

TEST(NumaInstancesHere, SeesNode0) {
  if (!std::filesystem::exists("/sys/devices/system/node/node0")) {
    GTEST_SKIP() << "/sys/devices/system/node/node0: no NUMA node here";
  }
  const InstanceConfig config;
  const auto source = make_numa_instances(rows(), config);
  for (const std::uint16_t id : source->families()) {
    EXPECT_TRUE(source->availability(id).available)
        << id << ": " << source->availability(id).reason;
  }
  RecordingSink sink;
  refresh(*source, sink);
  ASSERT_TRUE(sink.has("node0"));
  EXPECT_GT(ok_bits(sink, kMemTotal, "node0").value_or(0), 0U);
  EXPECT_TRUE(ok_bits(sink, kNumaHit, "node0").has_value());
}

}  // namespace
}  // namespace sysring::broker::linux_instances
