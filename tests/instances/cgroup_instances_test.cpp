// The cgroup source over a fixture cgroup2 tree: discovery at depth 1 and 2, groups appearing
// and disappearing, cpu.stat, memory.current, io.stat sums, pressure, a group without a
// controller's file; the root from mountinfo; and this machine's cgroup2 mount.
#include "sources/linux/cgroup_instances.hpp"

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

namespace sysring::broker::linux_instances {
namespace {

using test::FixtureTree;
using test::ok_bits;
using test::RecordingSink;
using test::status_of;

constexpr std::uint16_t kCpuUsage = 660;
constexpr std::uint16_t kCpuUser = 661;
constexpr std::uint16_t kCpuSystem = 662;
constexpr std::uint16_t kMemoryCurrent = 663;
constexpr std::uint16_t kReadBytes = 664;
constexpr std::uint16_t kWriteBytes = 665;
constexpr std::uint16_t kReadOps = 666;
constexpr std::uint16_t kWriteOps = 667;
constexpr std::uint16_t kCpuSome = 668;
constexpr std::uint16_t kMemorySome = 669;
constexpr std::uint16_t kMemoryFull = 670;
constexpr std::uint16_t kIoSome = 671;
constexpr std::uint16_t kIoFull = 672;

const std::vector<registry::RegistryEntry>& rows() {
  static const auto kRows = test::linux_rows(InstanceDomain::Cgroup);
  return kRows;
}

InstanceConfig at_depth(const FixtureTree& tree, std::uint32_t depth) {
  InstanceConfig config = tree.config();
  config.cgroup_root = tree.path("cgroup").string();
  config.cgroup_depth = depth;
  return config;
}

void refresh(InstanceSource& source, RecordingSink& sink) {
  sink.begin();
  source.refresh(sink);
}

TEST(CgroupInstances, FamiliesAvailableWithTheControllers) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 1));
  EXPECT_EQ(source.domain(), InstanceDomain::Cgroup);
  EXPECT_EQ(source.root(), tree.path("cgroup").string());
  EXPECT_EQ(source.families().size(), 13U);
  for (const std::uint16_t id : source.families()) {
    EXPECT_TRUE(source.availability(id).available) << id << ": " << source.availability(id).reason;
  }
  EXPECT_EQ(source.instances_at_start(), 3U);
}

TEST(CgroupInstances, DepthOneIsTheRootsChildren) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 1));
  RecordingSink sink;
  refresh(source, sink);
  EXPECT_EQ(test::names(sink), (std::set<std::string>{"init.scope", "system.slice", "user.slice"}));
  EXPECT_EQ(sink.present().at("system.slice").labels.at("cgroup"), "/system.slice");
}

TEST(CgroupInstances, DepthTwoAddsGrandchildren) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 2));
  EXPECT_EQ(source.instances_at_start(), 6U);
  RecordingSink sink;
  refresh(source, sink);
  EXPECT_EQ(test::names(sink),
            (std::set<std::string>{"init.scope", "system.slice", "system.slice/cron.service",
                                   "system.slice/sshd.service", "user.slice",
                                   "user.slice/user-1000.slice"}));
  EXPECT_EQ(sink.present().at("user.slice/user-1000.slice").labels.at("cgroup"),
            "/user.slice/user-1000.slice");
}

TEST(CgroupInstances, DepthZeroHasNoGroups) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 0));
  RecordingSink sink;
  refresh(source, sink);
  EXPECT_TRUE(sink.present().empty());
}

TEST(CgroupInstances, Values) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 2));
  RecordingSink sink;
  refresh(source, sink);
  // system.slice is group 1 of the fixture: cpu.stat 1000/600/400, memory 4096, pressure
  // cpu 10, memory 20/15, io 30/25; io.stat over two devices.
  EXPECT_EQ(ok_bits(sink, kCpuUsage, "system.slice"), 1000U);
  EXPECT_EQ(ok_bits(sink, kCpuUser, "system.slice"), 600U);
  EXPECT_EQ(ok_bits(sink, kCpuSystem, "system.slice"), 400U);
  EXPECT_EQ(ok_bits(sink, kMemoryCurrent, "system.slice"), 4096U);
  EXPECT_EQ(ok_bits(sink, kReadBytes, "system.slice"), 1500U);
  EXPECT_EQ(ok_bits(sink, kWriteBytes, "system.slice"), 2250U);
  EXPECT_EQ(ok_bits(sink, kReadOps, "system.slice"), 15U);
  EXPECT_EQ(ok_bits(sink, kWriteOps, "system.slice"), 22U);
  EXPECT_EQ(ok_bits(sink, kCpuSome, "system.slice"), 10U);
  EXPECT_EQ(ok_bits(sink, kMemorySome, "system.slice"), 20U);
  EXPECT_EQ(ok_bits(sink, kMemoryFull, "system.slice"), 15U);
  EXPECT_EQ(ok_bits(sink, kIoSome, "system.slice"), 30U);
  EXPECT_EQ(ok_bits(sink, kIoFull, "system.slice"), 25U);
  // A depth-2 group (6 in the fixture) and io.stat's extra iocost keys.
  EXPECT_EQ(ok_bits(sink, kCpuUsage, "system.slice/sshd.service"), 2000U);
  EXPECT_EQ(ok_bits(sink, kReadBytes, "init.scope"), 7U);
  EXPECT_EQ(ok_bits(sink, kWriteOps, "init.scope"), 2U);
}

TEST(CgroupInstances, EmptyIoStatIsZero) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 2));
  RecordingSink sink;
  refresh(source, sink);
  EXPECT_EQ(ok_bits(sink, kReadBytes, "system.slice/sshd.service"), 0U);
  EXPECT_EQ(ok_bits(sink, kWriteOps, "system.slice/sshd.service"), 0U);
}

TEST(CgroupInstances, GroupWithoutAControllerFile) {
  // user.slice has no memory.current or io.stat: its parent did not enable those controllers.
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 2));
  RecordingSink sink;
  refresh(source, sink);
  for (const std::string group :
       {"user.slice", "user.slice/user-1000.slice", "system.slice/cron.service"}) {
    EXPECT_EQ(status_of(sink, kMemoryCurrent, group), layout::SlotStatus::kUnavailable) << group;
    EXPECT_EQ(status_of(sink, kReadBytes, group), layout::SlotStatus::kUnavailable) << group;
    EXPECT_TRUE(ok_bits(sink, kCpuUsage, group).has_value()) << group;
    EXPECT_TRUE(ok_bits(sink, kIoFull, group).has_value()) << group;
  }
}

TEST(CgroupInstances, ControllerFileAppearingLaterIsPickedUp) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 1));
  RecordingSink sink;
  refresh(source, sink);
  tree.rewrite("cgroup/user.slice/memory.current", "8192\n");
  bool seen = false;
  for (int i = 0; i < 40 && !seen; ++i) {
    refresh(source, sink);
    seen = ok_bits(sink, kMemoryCurrent, "user.slice") == 8192U;
  }
  EXPECT_TRUE(seen);
}

TEST(CgroupInstances, GroupsAppearAndDisappear) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 2));
  RecordingSink sink;
  refresh(source, sink);
  tree.rewrite("cgroup/machine.slice/cpu.stat", "usage_usec 77\nuser_usec 70\nsystem_usec 7\n");
  tree.rewrite("cgroup/system.slice/nginx.service/cpu.stat", "usage_usec 5\n");
  refresh(source, sink);
  EXPECT_TRUE(sink.has("machine.slice"));
  EXPECT_TRUE(sink.has("system.slice/nginx.service"));
  EXPECT_EQ(ok_bits(sink, kCpuUsage, "machine.slice"), 77U);
  EXPECT_EQ(status_of(sink, kCpuUser, "system.slice/nginx.service"),
            layout::SlotStatus::kUnavailable);  // a key its cpu.stat lacks
  EXPECT_EQ(status_of(sink, kCpuSome, "system.slice/nginx.service"),
            layout::SlotStatus::kUnavailable);  // no pressure file

  tree.remove("cgroup/system.slice/sshd.service");
  tree.remove("cgroup/user.slice");
  refresh(source, sink);
  EXPECT_EQ(test::names(sink),
            (std::set<std::string>{"init.scope", "machine.slice", "system.slice",
                                   "system.slice/cron.service", "system.slice/nginx.service"}));
}

TEST(CgroupInstances, FilesAreNotGroups) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 1));
  RecordingSink sink;
  refresh(source, sink);
  for (const auto& [name, seen] : sink.present()) {
    EXPECT_EQ(name.find('.'), name.rfind('.')) << name;  // no "cpu.stat" etc.
    EXPECT_FALSE(name.starts_with("cgroup")) << name;
  }
}

TEST(CgroupInstances, ValuesFollowTheFiles) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 1));
  RecordingSink sink;
  refresh(source, sink);
  tree.rewrite("cgroup/init.scope/io.pressure",
               "some avg10=1.00 avg60=0.00 avg300=0.00 total=123\n");  // no "full" line
  tree.rewrite("cgroup/init.scope/memory.current", "not a number\n");
  refresh(source, sink);
  EXPECT_EQ(ok_bits(sink, kIoSome, "init.scope"), 123U);
  EXPECT_EQ(status_of(sink, kIoFull, "init.scope"), layout::SlotStatus::kUnavailable);
  EXPECT_EQ(status_of(sink, kMemoryCurrent, "init.scope"), layout::SlotStatus::kReadError);
}

TEST(CgroupInstances, MissingControllersAndPressureAtTheRoot) {
  FixtureTree tree("cgroup_tree");
  tree.rewrite("cgroup/cgroup.controllers", "cpu pids\n");
  tree.remove("cgroup/io.pressure");
  CgroupInstances source(rows(), at_depth(tree, 1));
  const std::string controllers = tree.path("cgroup/cgroup.controllers").string();
  EXPECT_EQ(source.availability(kMemoryCurrent).reason,
            controllers + ": no memory controller (has: cpu pids)");
  EXPECT_EQ(source.availability(kReadBytes).reason,
            controllers + ": no io controller (has: cpu pids)");
  EXPECT_EQ(source.availability(kIoSome).reason,
            tree.path("cgroup/io.pressure").string() + ": No such file or directory");
  EXPECT_TRUE(source.availability(kCpuUsage).available);
  EXPECT_TRUE(source.availability(kMemorySome).available);
  RecordingSink sink;
  refresh(source, sink);
  EXPECT_EQ(sink.reading(kMemoryCurrent, "system.slice"), nullptr);  // unavailable: not reported
  EXPECT_TRUE(ok_bits(sink, kCpuUsage, "system.slice").has_value());
}

TEST(CgroupInstances, RootFromMountinfo) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), tree.config());  // no cgroup_root
  // The mount point is a real path, not under the fixture tree; it is unlikely to exist here.
  EXPECT_EQ(source.root(), "/sys/fs/cgroup/my unified");
}

TEST(CgroupInstances, NoCgroup2Mount) {
  FixtureTree tree("cgroup_tree");
  tree.rewrite("proc/1/mountinfo", "22 1 254:1 / / rw - ext4 /dev/vda1 rw\n");
  CgroupInstances source(rows(), tree.config());
  EXPECT_EQ(source.availability(kCpuUsage).reason,
            "no cgroup2 filesystem in " + tree.proc() + "/1/mountinfo");
  EXPECT_EQ(source.instances_at_start(), 0U);
  RecordingSink sink;
  refresh(source, sink);
  EXPECT_TRUE(sink.present().empty());
}

TEST(CgroupInstances, RootThatCannotBeOpened) {
  FixtureTree tree("cgroup_tree");
  InstanceConfig config = at_depth(tree, 1);
  config.cgroup_root = tree.path("nowhere").string();
  CgroupInstances source(rows(), config);
  EXPECT_EQ(source.availability(kCpuUsage).reason,
            config.cgroup_root + ": No such file or directory");
}

TEST(CgroupInstances, OnlyWantedFamiliesAreReported) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 1));
  RecordingSink sink;
  for (const std::uint16_t id : source.families()) {
    if (id != kReadBytes) sink.unwanted.insert(id);
  }
  refresh(source, sink);
  EXPECT_EQ(test::names(sink), (std::set<std::string>{"init.scope", "system.slice", "user.slice"}));
  EXPECT_EQ(ok_bits(sink, kReadBytes, "system.slice"), 1500U);
  EXPECT_EQ(sink.reading(kCpuUsage, "system.slice"), nullptr);
  EXPECT_EQ(sink.reading(kWriteBytes, "system.slice"), nullptr);
}

TEST(CgroupInstances, RefusedGroupsGetNoValues) {
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 2));
  RecordingSink sink;
  sink.refuse_all = true;
  refresh(source, sink);
  EXPECT_TRUE(sink.present().empty());
  EXPECT_EQ(sink.reading(kCpuUsage, "system.slice"), nullptr);
}

TEST(CgroupInstances, SteadyRefreshDoesNotAllocate) {
  if (!test::kCountsAllocations) GTEST_SKIP() << "no allocation counting under ThreadSanitizer";
  FixtureTree tree("cgroup_tree");
  CgroupInstances source(rows(), at_depth(tree, 2));
  test::CountingSink sink;
  source.refresh(sink);
  const test::AllocationCount count;
  for (int i = 0; i < 40; ++i) source.refresh(sink);  // reopen attempts of missing files included
  EXPECT_EQ(count.count(), 0U);
  EXPECT_EQ(sink.presents, 41U * 6U);
}

TEST(CgroupInstancesHere, FindsTheCgroup2Mount) {
  const InstanceConfig config;
  const auto source = make_cgroup_instances(rows(), config);
  if (!source->availability(kCpuUsage).available) {
    GTEST_SKIP() << source->availability(kCpuUsage).reason;
  }
  RecordingSink sink;
  refresh(*source, sink);
  for (const auto& [name, seen] : sink.present()) {
    EXPECT_EQ(name.find('/'), std::string::npos) << name;  // depth 1
    EXPECT_EQ(seen.labels.at("cgroup"), "/" + name);
    EXPECT_TRUE(ok_bits(sink, kCpuUsage, name).has_value()) << name;
  }
}

}  // namespace
}  // namespace sysring::broker::linux_instances
