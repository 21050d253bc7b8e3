// The netif source reading links from a fake rtnetlink dumper (canned dump bytes) and speed and
// flags from a fixture tree: interfaces that come and go between dumps, the values mapped as
// sysfs and /proc/net/dev give them, the exclusion regex, the sink's wants, dumps that fail, and
// the fall back to the files when the first dump fails.
#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "allocation_count.hpp"
#include "linux_fixture_tree.hpp"
#include "recording_sink.hpp"
#include "rtnetlink_bytes.hpp"
#include "sink_readings.hpp"
#include "sources/linux/netif_instances.hpp"

namespace sysring {
namespace {

using broker::linux_instances::NetifInstances;
using layout::SlotStatus;
using test::FakeLinkDumper;
using test::LinkSpec;
using test::names;
using test::ok_bits;
using test::RecordingSink;
using test::status_of;

constexpr std::uint16_t kRxBytes = 560;
constexpr std::uint16_t kRxDrop = 563;
constexpr std::uint16_t kRxFrame = 565;
constexpr std::uint16_t kTxBytes = 568;
constexpr std::uint16_t kTxCarrier = 574;
constexpr std::uint16_t kTxCompressed = 575;
constexpr std::uint16_t kOperstate = 576;
constexpr std::uint16_t kCarrier = 577;
constexpr std::uint16_t kSpeed = 578;
constexpr std::uint16_t kMtu = 579;
constexpr std::uint16_t kCarrierChanges = 580;
constexpr std::uint16_t kTxQueueLen = 581;
constexpr std::uint16_t kIfindex = 582;
constexpr std::uint16_t kFlags = 583;
constexpr std::uint16_t kDormant = 781;
constexpr std::uint16_t kType = 786;
constexpr std::uint16_t kCarrierUpCount = 787;
constexpr std::uint16_t kCarrierDownCount = 788;
constexpr std::uint16_t kDuplex = 789;
constexpr std::uint16_t kRxNohandler = 790;
constexpr std::uint16_t kArpEntries = 791;
constexpr std::size_t kFamilies = 37;  // every netif row

LinkSpec link(std::string name, std::int32_t index, std::uint64_t stats_base) {
  LinkSpec l;
  l.name = std::move(name);
  l.index = index;
  l.stats = test::numbered_stats(stats_base);
  return l;
}

// The links of the netif_three fixture (whose sysfs holds their speed and flags files), with
// values other than the fixture's proc/net/dev and sysfs files, so a test sees where each came
// from.
std::vector<LinkSpec> three() {
  LinkSpec lo = link("lo", 1, 1000);
  lo.flags = test::kIffUp | test::kIffLoopback | test::kIffRunning | test::kIffLowerUp;
  lo.operstate = 0;
  lo.mtu = 65536;
  lo.address = {0, 0, 0, 0, 0, 0};
  lo.broadcast = {0, 0, 0, 0, 0, 0};
  LinkSpec eth0 = link("eth0", 2, 2000);
  eth0.flags = 0x1003 | test::kIffRunning | test::kIffLowerUp;
  eth0.carrier_changes = 4;
  eth0.carrier_up_count = 3;
  eth0.carrier_down_count = 1;
  eth0.alias = "uplink";
  eth0.mtu = 9000;
  LinkSpec ifb0 = link("ifb0", 3, 3000);
  ifb0.flags = 0x82;  // down; IFLA_CARRIER is 1 all the same, as the kernel sends it
  ifb0.operstate = 2;
  ifb0.tx_queue_len = 32;
  LinkSpec veth = link("veth1a2b3c4d5e6", 7, 4000);
  veth.operstate = 3;
  veth.carrier = 0;
  veth.address = {0x0a, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f};
  return {lo, eth0, ifb0, veth};
}

class NetifLinksTest : public ::testing::Test {
 protected:
  void build() { build(tree_.config()); }
  void build(const broker::InstanceConfig& config) {
    auto fake = std::make_unique<FakeLinkDumper>();
    dumper_ = fake.get();
    dumper_->bytes = first_;
    dumper_->error = first_error_;
    source_ = std::make_unique<NetifInstances>(rows_, config, std::move(fake));
  }
  void refresh() {
    sink_.begin();
    source_->refresh(sink_);
  }

  test::FixtureTree tree_{"netif_three"};
  std::vector<registry::RegistryEntry> rows_ = test::linux_rows(InstanceDomain::Netif);
  test::Bytes first_ = test::dump_of(three());
  int first_error_ = 0;
  FakeLinkDumper* dumper_ = nullptr;  // owned by source_
  std::unique_ptr<NetifInstances> source_;
  RecordingSink sink_;
};

TEST_F(NetifLinksTest, EveryFamilyIsAvailableAndSaysWhereItsValuesComeFrom) {
  build();
  ASSERT_EQ(source_->families().size(), kFamilies);
  for (const std::uint16_t id : source_->families()) {
    EXPECT_TRUE(source_->availability(id).available)
        << id << ": " << source_->availability(id).reason;
  }
  EXPECT_EQ(source_->availability(kRxBytes).detail, "rtnetlink RTM_GETLINK IFLA_STATS64");
  EXPECT_EQ(source_->availability(kOperstate).detail, "rtnetlink RTM_GETLINK IFLA_OPERSTATE");
  EXPECT_EQ(source_->availability(kIfindex).detail, "rtnetlink RTM_GETLINK ifi_index");
  EXPECT_EQ(source_->availability(kSpeed).detail, tree_.sys() + "/class/net/<interface>/speed");
  EXPECT_EQ(source_->availability(kFlags).detail, tree_.sys() + "/class/net/<interface>/flags");
  EXPECT_EQ(source_->availability(kRxNohandler).detail,
            "rtnetlink RTM_GETLINK IFLA_STATS64 rx_nohandler");
  EXPECT_EQ(source_->availability(kCarrierUpCount).detail,
            "rtnetlink RTM_GETLINK IFLA_CARRIER_UP_COUNT");
  EXPECT_EQ(source_->availability(kDuplex).detail, tree_.sys() + "/class/net/<interface>/duplex");
  EXPECT_EQ(source_->availability(kArpEntries).detail, tree_.proc() + "/net/arp: lines per device");
  EXPECT_EQ(source_->instances_at_start(), 4U);
  EXPECT_EQ(dumper_->dumps, 1) << "the first dump judged the families";
}

TEST_F(NetifLinksTest, EveryLinkOfTheDumpIsAnInstanceLabelledFromItsMessage) {
  build();
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"eth0", "ifb0", "lo", "veth1a2b3c4d5e6"}));
  using Labels = std::map<std::string, std::string>;
  EXPECT_EQ(sink_.present().at("eth0").labels, (Labels{{"device", "eth0"},
                                                       {"address", "52:54:00:12:34:56"},
                                                       {"broadcast", "ff:ff:ff:ff:ff:ff"},
                                                       {"ifalias", "uplink"}}));
  EXPECT_EQ(sink_.present().at("lo").labels, (Labels{{"device", "lo"},
                                                     {"address", "00:00:00:00:00:00"},
                                                     {"broadcast", "00:00:00:00:00:00"},
                                                     {"ifalias", ""}}));
  EXPECT_EQ(sink_.present().at("veth1a2b3c4d5e6").labels.at("address"), "0a:1b:2c:3d:4e:5f");

  // A tunnel has no hardware address: its labels are empty, not missing.
  std::vector<LinkSpec> links = three();
  links[2].address.clear();
  links[2].broadcast.clear();
  dumper_->bytes = test::dump_of(links);
  refresh();
  EXPECT_EQ(sink_.present().at("ifb0").labels,
            (Labels{{"device", "ifb0"}, {"address", ""}, {"broadcast", ""}, {"ifalias", ""}}));
}

TEST_F(NetifLinksTest, NewAttributesComeFromTheDumpSysfsAndProcNetArp) {
  build();
  refresh();
  // The dump: IFLA_CARRIER_UP_COUNT and _DOWN_COUNT, rx_nohandler after tx_compressed (777).
  EXPECT_EQ(ok_bits(sink_, kCarrierUpCount, "eth0"), 3U);
  EXPECT_EQ(ok_bits(sink_, kCarrierDownCount, "eth0"), 1U);
  EXPECT_EQ(ok_bits(sink_, kRxNohandler, "eth0"), 777U) << "the fixture's sysfs says 5";
  // sysfs: duplex as a code, unavailable where the file fails (ifb0 is down: no file here).
  EXPECT_EQ(ok_bits(sink_, kDuplex, "eth0"), 3U) << "full";
  EXPECT_EQ(ok_bits(sink_, kDuplex, "lo"), 1U) << "unknown";
  EXPECT_EQ(ok_bits(sink_, kDuplex, "veth1a2b3c4d5e6"), 2U) << "half";
  EXPECT_EQ(status_of(sink_, kDuplex, "ifb0"), SlotStatus::kUnavailable);
  EXPECT_EQ(status_of(sink_, kDormant, "ifb0"), SlotStatus::kUnavailable);
  EXPECT_EQ(ok_bits(sink_, kType, "lo"), 772U);
  // /proc/net/arp: two entries on eth0, one on the veth, none on lo (0, not missing).
  EXPECT_EQ(ok_bits(sink_, kArpEntries, "eth0"), 2U);
  EXPECT_EQ(ok_bits(sink_, kArpEntries, "veth1a2b3c4d5e6"), 1U);
  EXPECT_EQ(ok_bits(sink_, kArpEntries, "lo"), 0U);
  // The neighbours went: 0 entries, still a value.
  tree_.rewrite("proc/net/arp", "IP address HW type Flags HW address Mask Device\n");
  refresh();
  EXPECT_EQ(ok_bits(sink_, kArpEntries, "eth0"), 0U);
}

TEST_F(NetifLinksTest, CountersAreStats64FoldedAsProcNetDevPrintsThem) {
  build();
  refresh();
  // eth0: field i of rtnl_link_stats64 is 2000 + i (rx_packets 2000, tx_packets 2001, ...).
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "eth0"), 2002U);
  EXPECT_EQ(ok_bits(sink_, kRxDrop, "eth0"), 2006U + 2015U);
  EXPECT_EQ(ok_bits(sink_, kRxFrame, "eth0"), 2010U + 2011U + 2012U + 2013U);
  EXPECT_EQ(ok_bits(sink_, kTxBytes, "eth0"), 2003U);
  EXPECT_EQ(ok_bits(sink_, kTxCarrier, "eth0"), 2016U + 2017U + 2019U + 2020U);
  EXPECT_EQ(ok_bits(sink_, kTxCompressed, "eth0"), 2022U);
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "lo"), 1002U);
  EXPECT_EQ(ok_bits(sink_, kTxBytes, "veth1a2b3c4d5e6"), 4003U);
}

TEST_F(NetifLinksTest, AttributesComeFromTheDumpExceptSpeedAndFlags) {
  build();
  refresh();
  EXPECT_EQ(ok_bits(sink_, kOperstate, "eth0"), 6U);
  EXPECT_EQ(ok_bits(sink_, kOperstate, "lo"), 0U);
  EXPECT_EQ(ok_bits(sink_, kOperstate, "ifb0"), 2U);
  EXPECT_EQ(ok_bits(sink_, kOperstate, "veth1a2b3c4d5e6"), 3U);
  EXPECT_EQ(ok_bits(sink_, kCarrier, "eth0"), 1U);
  EXPECT_EQ(ok_bits(sink_, kCarrier, "veth1a2b3c4d5e6"), 0U);
  EXPECT_EQ(ok_bits(sink_, kMtu, "eth0"), 9000U) << "the fixture's sysfs says 1500";
  EXPECT_EQ(ok_bits(sink_, kMtu, "lo"), 65536U);
  EXPECT_EQ(ok_bits(sink_, kCarrierChanges, "eth0"), 4U);
  EXPECT_EQ(ok_bits(sink_, kTxQueueLen, "ifb0"), 32U);
  EXPECT_EQ(ok_bits(sink_, kIfindex, "eth0"), 2U);
  EXPECT_EQ(ok_bits(sink_, kIfindex, "veth1a2b3c4d5e6"), 7U);
  // Speed and flags are the sysfs files': flags is dev->flags, not ifi_flags (0x11043 here).
  EXPECT_EQ(ok_bits(sink_, kSpeed, "eth0"), 10000U);
  EXPECT_EQ(status_of(sink_, kSpeed, "lo"), SlotStatus::kUnavailable) << "speed -1";
  EXPECT_EQ(ok_bits(sink_, kFlags, "eth0"), 0x1003U);
  EXPECT_EQ(ok_bits(sink_, kFlags, "lo"), 0x9U);
}

TEST_F(NetifLinksTest, CarrierHasNoValueWhileTheInterfaceIsNotUp) {
  build();
  refresh();
  EXPECT_EQ(status_of(sink_, kCarrier, "ifb0"), SlotStatus::kUnavailable)
      << "IFLA_CARRIER is 1 but ifi_flags lacks IFF_UP: sysfs fails the read with EINVAL";
  EXPECT_EQ(ok_bits(sink_, kOperstate, "ifb0"), 2U);
  EXPECT_EQ(ok_bits(sink_, kMtu, "ifb0"), 1500U);
}

TEST_F(NetifLinksTest, WhatAMessageLacksHasNoValueForThatInterface) {
  build();
  std::vector<LinkSpec> links = three();
  links[1].mtu.reset();
  links[1].stats.reset();
  links[2].operstate = 7;  // no IF_OPER_* name: sysfs fails the read
  dumper_->bytes = test::dump_of(links);
  refresh();
  EXPECT_EQ(status_of(sink_, kMtu, "eth0"), SlotStatus::kUnavailable);
  EXPECT_EQ(status_of(sink_, kRxBytes, "eth0"), SlotStatus::kUnavailable);
  EXPECT_EQ(status_of(sink_, kTxCompressed, "eth0"), SlotStatus::kUnavailable);
  EXPECT_EQ(status_of(sink_, kOperstate, "ifb0"), SlotStatus::kUnavailable);
  EXPECT_EQ(ok_bits(sink_, kMtu, "lo"), 65536U);
}

TEST_F(NetifLinksTest, InterfacesAppearAndDisappearBetweenDumps) {
  build();
  refresh();
  ASSERT_TRUE(sink_.has("eth0"));
  std::vector<LinkSpec> links = three();
  links.erase(links.begin() + 1);  // eth0 goes
  LinkSpec wlan0 = link("wlan0", 9, 9000);
  wlan0.operstate = 5;
  links.insert(links.begin() + 1, wlan0);
  dumper_->bytes = test::dump_of(links);
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"ifb0", "lo", "veth1a2b3c4d5e6", "wlan0"}));
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "wlan0"), 9002U);
  EXPECT_EQ(ok_bits(sink_, kOperstate, "wlan0"), 5U);
  EXPECT_EQ(ok_bits(sink_, kIfindex, "wlan0"), 9U);
  EXPECT_EQ(status_of(sink_, kSpeed, "wlan0"), SlotStatus::kUnavailable) << "speed -1";
  EXPECT_EQ(ok_bits(sink_, kFlags, "wlan0"), 0x1003U) << "its sysfs file, opened as it appeared";
  // eth0 comes back alone, with a new index.
  LinkSpec eth0 = link("eth0", 12, 5);
  dumper_->bytes = test::dump_of({eth0});
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"eth0"}));
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "eth0"), 7U);
  EXPECT_EQ(ok_bits(sink_, kIfindex, "eth0"), 12U);
  EXPECT_EQ(ok_bits(sink_, kSpeed, "eth0"), 10000U);
}

TEST_F(NetifLinksTest, ANameTwiceInOneDumpIsOneInstanceAndALinkWithoutNameIsNone) {
  build();
  std::vector<LinkSpec> links = three();
  links.push_back(link("lo", 1, 50));
  links.push_back(link("", 20, 60));
  dumper_->bytes = test::dump_of(links);
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"eth0", "ifb0", "lo", "veth1a2b3c4d5e6"}));
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "lo"), 1002U) << "the first one";
}

TEST_F(NetifLinksTest, TheExclusionRegexLeavesInterfacesOut) {
  broker::InstanceConfig config = tree_.config();
  config.netif_exclude = "^(lo|veth.*)$";
  build(config);
  EXPECT_EQ(source_->instances_at_start(), 2U);
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"eth0", "ifb0"}));
  EXPECT_EQ(sink_.reading(kRxBytes, "lo"), nullptr);
}

TEST_F(NetifLinksTest, SpeedAndFlagsAreReadOnlyWhenTheSinkWantsThem) {
  build();
  sink_.unwanted = {kSpeed, kFlags};
  refresh();
  EXPECT_EQ(sink_.reading(kSpeed, "eth0"), nullptr);
  EXPECT_EQ(sink_.reading(kFlags, "eth0"), nullptr);
  EXPECT_EQ(ok_bits(sink_, kMtu, "eth0"), 9000U);
  tree_.rewrite("sys/class/net/eth0/speed", "25000\n");
  sink_.unwanted = {kFlags};
  refresh();
  EXPECT_EQ(ok_bits(sink_, kSpeed, "eth0"), 25000U);
  EXPECT_EQ(sink_.reading(kFlags, "eth0"), nullptr);
}

TEST_F(NetifLinksTest, AFailedDumpReportsNoInterfaceUntilOneSucceeds) {
  build();
  refresh();
  ASSERT_EQ(sink_.present().size(), 4U);
  dumper_->error = EAGAIN;
  refresh();
  EXPECT_TRUE(sink_.present().empty());
  dumper_->error = 0;
  refresh();
  EXPECT_EQ(sink_.present().size(), 4U);
}

TEST_F(NetifLinksTest, ADumpThatFailsOrBreaksHalfwayReportsNothingOfIt) {
  build();
  const std::vector<LinkSpec> links = three();
  test::Bytes failed = test::link_message(links[0]);
  test::append(failed, test::error_message(1, -EINTR));
  test::Bytes malformed = test::dump_of(links);
  const std::size_t second = test::link_message(links[0]).size();
  test::overwrite(malformed, second + 32, std::uint16_t{0xfff0});  // an attribute too long
  test::Bytes unfinished = test::link_message(links[0]);
  for (const test::Bytes& bytes : {failed, malformed, unfinished}) {
    dumper_->bytes = bytes;
    refresh();
    EXPECT_TRUE(sink_.present().empty());
  }
}

TEST_F(NetifLinksTest, ARefusedInstanceGetsNoValues) {
  build();
  sink_.refuse_all = true;
  refresh();
  EXPECT_TRUE(sink_.present().empty());
  EXPECT_EQ(sink_.reading(kMtu, "eth0"), nullptr);
}

TEST_F(NetifLinksTest, AnAttributeTheFirstKeptLinkLacksIsUnavailable) {
  std::vector<LinkSpec> links = three();
  links[0].carrier_changes.reset();
  first_ = test::dump_of(links);
  build();
  EXPECT_EQ(source_->availability(kCarrierChanges).reason,
            "rtnetlink RTM_GETLINK: lo has no IFLA_CARRIER_CHANGES");
  EXPECT_TRUE(source_->availability(kCarrier).available);
  refresh();
  EXPECT_EQ(sink_.reading(kCarrierChanges, "eth0"), nullptr);
}

TEST_F(NetifLinksTest, WithoutStats64InAnyLinkTheCountersAreUnavailable) {
  std::vector<LinkSpec> links = three();
  for (LinkSpec& l : links) l.stats.reset();
  first_ = test::dump_of(links);
  build();
  EXPECT_EQ(source_->availability(kRxBytes).reason,
            "rtnetlink RTM_GETLINK: no link has IFLA_STATS64");
  EXPECT_TRUE(source_->availability(kMtu).available);
}

TEST_F(NetifLinksTest, SpeedAndFlagsWithoutSysClassNetAreUnavailable) {
  tree_.remove("sys/class");
  build();
  EXPECT_TRUE(source_->availability(kOperstate).available);
  EXPECT_EQ(source_->availability(kSpeed).reason,
            tree_.sys() + "/class/net: No such file or directory");
  EXPECT_FALSE(source_->availability(kFlags).available);
  refresh();
  EXPECT_EQ(ok_bits(sink_, kMtu, "eth0"), 9000U);
}

TEST_F(NetifLinksTest, WhenTheFirstDumpFailsTheFilesAreReadAndTheDetailSaysWhy) {
  first_error_ = EPERM;
  build();
  EXPECT_EQ(source_->availability(kRxBytes).detail,
            tree_.proc() + "/net/dev (rtnetlink RTM_GETLINK: recvmsg: Operation not permitted)");
  EXPECT_EQ(source_->availability(kMtu).detail,
            tree_.sys() +
                "/class/net/<interface>/mtu (rtnetlink RTM_GETLINK: recvmsg: Operation not "
                "permitted)");
  dumper_ = nullptr;  // dropped by the source
  refresh();
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "eth0"), 18727492U) << "the fixture's proc/net/dev";
  EXPECT_EQ(ok_bits(sink_, kMtu, "eth0"), 1500U) << "the fixture's sysfs";
}

TEST_F(NetifLinksTest, AMalformedFirstDumpAlsoFallsBackToTheFiles) {
  first_ = test::link_message(three()[0]);
  build();
  EXPECT_EQ(source_->availability(kRxBytes).detail,
            tree_.proc() + "/net/dev (rtnetlink RTM_GETLINK: reply without NLMSG_DONE)");
  first_ = test::error_message(1, -EOPNOTSUPP);
  build();
  EXPECT_EQ(source_->availability(kRxBytes).detail,
            tree_.proc() + "/net/dev (rtnetlink RTM_GETLINK: Operation not supported)");
}

TEST_F(NetifLinksTest, ASteadyRefreshDoesNotAllocate) {
  if (!test::kCountsAllocations) GTEST_SKIP() << "allocations are not counted in this build";
  build();
  // Takes every value without storing anything (a recording sink would allocate).
  class CountingSink final : public broker::InstanceSink {
   public:
    std::uint32_t present(std::string_view, std::span<const broker::LabelView>) override {
      return instances++;
    }
    [[nodiscard]] std::uint32_t find(std::string_view) const override { return broker::kNoRow; }
    void value(std::uint16_t, std::uint32_t, const broker::Reading&) override { ++values; }
    [[nodiscard]] bool wants(std::uint16_t) const override { return true; }
    std::uint32_t instances = 0;
    std::size_t values = 0;
  };
  CountingSink first;
  source_->refresh(first);
  CountingSink steady;
  std::size_t allocations = 0;
  {
    test::AllocationCount counter;
    source_->refresh(steady);
    allocations = counter.count();
  }
  EXPECT_EQ(steady.instances, 4U);
  EXPECT_EQ(steady.values, 4U * kFamilies);
  EXPECT_EQ(allocations, 0U);
}

}  // namespace
}  // namespace sysring
