// The netif source over fixture trees (interfaces that come and go with their sysfs files, the
// exclusion regex, sysfs values and their gaps, availability reasons) and over this machine,
// where it reads rtnetlink: its values against /proc/net/dev and sysfs.
#include "sources/linux/netif_instances.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "family_row.hpp"
#include "linux_fixture_tree.hpp"
#include "recording_sink.hpp"
#include "sink_readings.hpp"
#include "sources/linux/linux_instance_factories.hpp"
#include "sources/linux/netdev_parser.hpp"
#include "sources/linux/sysfs_attribute.hpp"

namespace sysring {
namespace {

using broker::linux_instances::make_netif_instances;
using layout::SlotStatus;
using test::FixtureTree;
using test::names;
using test::ok_bits;
using test::RecordingSink;
using test::status_of;

constexpr std::uint16_t kRxBytes = 560;
constexpr std::uint16_t kRxErrs = 562;
constexpr std::uint16_t kRxMulticast = 567;
constexpr std::uint16_t kTxBytes = 568;
constexpr std::uint16_t kTxCompressed = 575;
constexpr std::uint16_t kOperstate = 576;
constexpr std::uint16_t kCarrier = 577;
constexpr std::uint16_t kSpeed = 578;
constexpr std::uint16_t kMtu = 579;
constexpr std::uint16_t kCarrierChanges = 580;
constexpr std::uint16_t kTxQueueLen = 581;
constexpr std::uint16_t kIfindex = 582;
constexpr std::uint16_t kFlags = 583;
constexpr std::uint16_t kAddrAssignType = 779;
constexpr std::uint16_t kDevId = 780;
constexpr std::uint16_t kDormant = 781;
constexpr std::uint16_t kIflink = 782;
constexpr std::uint16_t kNameAssignType = 784;
constexpr std::uint16_t kType = 786;
constexpr std::uint16_t kCarrierUpCount = 787;
constexpr std::uint16_t kCarrierDownCount = 788;
constexpr std::uint16_t kDuplex = 789;
constexpr std::uint16_t kRxNohandler = 790;
constexpr std::uint16_t kArpEntries = 791;

constexpr std::string_view kNetdevHeader =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n";

registry::RegistryEntry netif_row(std::uint16_t id, std::string_view source,
                                  schema::ValueType type = schema::ValueType::U64) {
  return test::family_row(id, InstanceDomain::Netif, source, type);
}

class NetifInstancesTest : public ::testing::Test {
 protected:
  void build(const broker::InstanceConfig& config) {
    source_ = make_netif_instances(rows_, config);
  }
  void refresh() {
    sink_.begin();
    source_->refresh(sink_);
  }

  FixtureTree tree_{"netif_three"};
  std::vector<registry::RegistryEntry> rows_ = test::linux_rows(InstanceDomain::Netif);
  std::unique_ptr<broker::InstanceSource> source_;
  RecordingSink sink_;
};

TEST_F(NetifInstancesTest, EveryNetifRowIsAnAvailableFamily) {
  build(tree_.config());
  EXPECT_EQ(source_->domain(), InstanceDomain::Netif);
  EXPECT_TRUE(source_->owns_domain());
  ASSERT_EQ(source_->families().size(), 37U);
  for (const std::uint16_t id : source_->families()) {
    EXPECT_TRUE(source_->availability(id).available)
        << id << ": " << source_->availability(id).reason;
  }
}

TEST_F(NetifInstancesTest, EveryInterfaceOfNetDevIsAnInstanceLabelledFromSysfs) {
  build(tree_.config());
  EXPECT_EQ(source_->instances_at_start(), 4U);
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"eth0", "ifb0", "lo", "veth1a2b3c4d5e6"}));
  using Labels = std::map<std::string, std::string>;
  EXPECT_EQ(sink_.present().at("eth0").labels, (Labels{{"device", "eth0"},
                                                       {"address", "52:54:00:12:34:56"},
                                                       {"broadcast", "ff:ff:ff:ff:ff:ff"},
                                                       {"ifalias", "uplink"}}));
  EXPECT_EQ(sink_.present().at("lo").labels.at("broadcast"), "00:00:00:00:00:00");
  // A changed alias is the new label.
  tree_.rewrite("sys/class/net/eth0/ifalias", "renamed\n");
  refresh();
  EXPECT_EQ(sink_.present().at("eth0").labels.at("ifalias"), "renamed");
}

TEST_F(NetifInstancesTest, ALabelFileThatCannotBeReadIsAnEmptyLabel) {
  tree_.remove("sys/class/net/ifb0/address");
  build(tree_.config());
  refresh();
  EXPECT_EQ(sink_.present().at("ifb0").labels.at("address"), "");
  EXPECT_EQ(sink_.present().at("ifb0").labels.at("broadcast"), "ff:ff:ff:ff:ff:ff");
}

TEST_F(NetifInstancesTest, NewAttributesAndArpEntriesFromTheFiles) {
  build(tree_.config());
  refresh();
  EXPECT_EQ(ok_bits(sink_, kAddrAssignType, "veth1a2b3c4d5e6"), 3U);
  EXPECT_EQ(ok_bits(sink_, kDevId, "eth0"), 1U) << "0x1 in the file";
  EXPECT_EQ(ok_bits(sink_, kIflink, "veth1a2b3c4d5e6"), 7U);
  EXPECT_EQ(ok_bits(sink_, kNameAssignType, "eth0"), 1U);
  EXPECT_EQ(status_of(sink_, kNameAssignType, "ifb0"), SlotStatus::kUnavailable)
      << "unknown: the kernel fails the read";
  EXPECT_EQ(ok_bits(sink_, kType, "lo"), 772U);
  EXPECT_EQ(ok_bits(sink_, kCarrierUpCount, "eth0"), 3U);
  EXPECT_EQ(ok_bits(sink_, kDuplex, "eth0"), 3U);
  EXPECT_EQ(status_of(sink_, kDuplex, "ifb0"), SlotStatus::kUnavailable) << "down: no value";
  EXPECT_EQ(ok_bits(sink_, kRxNohandler, "eth0"), 5U) << "statistics/rx_nohandler";
  EXPECT_EQ(ok_bits(sink_, kArpEntries, "eth0"), 2U);
  EXPECT_EQ(ok_bits(sink_, kArpEntries, "ifb0"), 0U);
  tree_.rewrite("sys/class/net/eth0/duplex", "sideways\n");
  refresh();
  EXPECT_EQ(status_of(sink_, kDuplex, "eth0"), SlotStatus::kReadError);
}

TEST_F(NetifInstancesTest, WithoutProcNetArpOnlyArpEntriesIsUnavailable) {
  tree_.remove("proc/net/arp");
  build(tree_.config());
  EXPECT_EQ(source_->availability(kArpEntries).reason,
            tree_.proc() + "/net/arp: No such file or directory");
  EXPECT_TRUE(source_->availability(kDuplex).available);
  refresh();
  EXPECT_EQ(sink_.reading(kArpEntries, "eth0"), nullptr);
}

TEST_F(NetifInstancesTest, CountersAreTheFieldsOfTheInterfacesLine) {
  build(tree_.config());
  refresh();
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "eth0"), 18727492U);
  EXPECT_EQ(ok_bits(sink_, kRxErrs, "eth0"), 1U);
  EXPECT_EQ(ok_bits(sink_, kRxMulticast, "eth0"), 6U);
  EXPECT_EQ(ok_bits(sink_, kTxBytes, "eth0"), 34577U);
  EXPECT_EQ(ok_bits(sink_, kTxCompressed, "eth0"), 12U);
  EXPECT_EQ(ok_bits(sink_, kRxMulticast, "veth1a2b3c4d5e6"), 1U);
  EXPECT_EQ(ok_bits(sink_, kTxBytes, "veth1a2b3c4d5e6"), 2000U);
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "lo"), 3267U);
}

TEST_F(NetifInstancesTest, ClassAttributesAreDecodedPerInterface) {
  build(tree_.config());
  refresh();
  EXPECT_EQ(ok_bits(sink_, kOperstate, "eth0"), 6U) << "up";
  EXPECT_EQ(ok_bits(sink_, kOperstate, "lo"), 0U) << "unknown";
  EXPECT_EQ(ok_bits(sink_, kOperstate, "ifb0"), 2U) << "down";
  EXPECT_EQ(ok_bits(sink_, kOperstate, "veth1a2b3c4d5e6"), 3U) << "lowerlayerdown";
  EXPECT_EQ(ok_bits(sink_, kCarrier, "eth0"), 1U);
  EXPECT_EQ(ok_bits(sink_, kCarrier, "veth1a2b3c4d5e6"), 0U);
  EXPECT_EQ(ok_bits(sink_, kSpeed, "eth0"), 10000U);
  EXPECT_EQ(ok_bits(sink_, kMtu, "lo"), 65536U);
  EXPECT_EQ(ok_bits(sink_, kCarrierChanges, "eth0"), 2U);
  EXPECT_EQ(ok_bits(sink_, kTxQueueLen, "ifb0"), 32U);
  EXPECT_EQ(ok_bits(sink_, kIfindex, "veth1a2b3c4d5e6"), 7U);
  EXPECT_EQ(ok_bits(sink_, kFlags, "eth0"), 0x1003U);
  EXPECT_EQ(ok_bits(sink_, kFlags, "lo"), 0x9U);
}

TEST_F(NetifInstancesTest, SpeedMinusOneAndMissingFilesAreUnavailableForThatInterface) {
  build(tree_.config());
  refresh();
  EXPECT_EQ(status_of(sink_, kSpeed, "lo"), SlotStatus::kUnavailable) << "speed -1";
  EXPECT_EQ(status_of(sink_, kSpeed, "ifb0"), SlotStatus::kUnavailable) << "no file";
  EXPECT_EQ(status_of(sink_, kCarrier, "ifb0"), SlotStatus::kUnavailable) << "no file";
  EXPECT_EQ(ok_bits(sink_, kMtu, "ifb0"), 1500U);
}

TEST_F(NetifInstancesTest, TextAnAttributeDoesNotExpectIsAReadError) {
  build(tree_.config());
  tree_.rewrite("sys/class/net/eth0/operstate", "sideways\n");
  tree_.rewrite("sys/class/net/eth0/flags", "4099\n");
  refresh();
  EXPECT_EQ(status_of(sink_, kOperstate, "eth0"), SlotStatus::kReadError);
  EXPECT_EQ(status_of(sink_, kFlags, "eth0"), SlotStatus::kReadError);
}

TEST_F(NetifInstancesTest, InterfacesAppearAndDisappearWithTheirSysfsFiles) {
  build(tree_.config());
  refresh();
  ASSERT_TRUE(sink_.has("eth0"));
  // eth0's kept-open operstate changes in place.
  tree_.rewrite("sys/class/net/eth0/operstate", "down\n");
  refresh();
  EXPECT_EQ(ok_bits(sink_, kOperstate, "eth0"), 2U);
  // wlan0 appears, eth0 goes (and its sysfs directory with it).
  tree_.remove("sys/class/net/eth0");
  tree_.rewrite("proc/net/dev", std::string(kNetdevHeader) +
                                    "    lo: 4000 30 0 0 0 0 0 0 4000 30 0 0 0 0 0 0\n"
                                    " wlan0: 100 1 0 0 0 0 0 0 200 2 0 0 0 0 0 0\n"
                                    "  ifb0: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n"
                                    "veth1a2b3c4d5e6: 1000 10 0 0 0 0 0 1 2000 20 0 0 0 0 0 0\n");
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"ifb0", "lo", "veth1a2b3c4d5e6", "wlan0"}));
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "lo"), 4000U);
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "wlan0"), 100U);
  EXPECT_EQ(ok_bits(sink_, kOperstate, "wlan0"), 5U) << "dormant";
  EXPECT_EQ(status_of(sink_, kSpeed, "wlan0"), SlotStatus::kUnavailable);
  EXPECT_EQ(ok_bits(sink_, kIfindex, "wlan0"), 9U);
  // eth0 comes back with new sysfs files: they are opened afresh.
  tree_.rewrite("sys/class/net/eth0/operstate", "testing\n");
  tree_.rewrite("sys/class/net/eth0/ifindex", "12\n");
  tree_.rewrite("proc/net/dev",
                std::string(kNetdevHeader) + "eth0:5 6 0 0 0 0 0 0 7 8 0 0 0 0 0 0\n");
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"eth0"}));
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "eth0"), 5U);
  EXPECT_EQ(ok_bits(sink_, kOperstate, "eth0"), 4U) << "testing";
  EXPECT_EQ(ok_bits(sink_, kIfindex, "eth0"), 12U);
  EXPECT_EQ(status_of(sink_, kMtu, "eth0"), SlotStatus::kUnavailable) << "no mtu file now";
}

TEST_F(NetifInstancesTest, TheExclusionRegexLeavesInterfacesOut) {
  broker::InstanceConfig config = tree_.config();
  config.netif_exclude = "^(lo|veth.*)$";
  build(config);
  EXPECT_EQ(source_->instances_at_start(), 2U);
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"eth0", "ifb0"}));
  EXPECT_EQ(sink_.reading(kRxBytes, "lo"), nullptr);
}

TEST_F(NetifInstancesTest, ABadRegexIsAnInvalidArgument) {
  broker::InstanceConfig config = tree_.config();
  config.netif_exclude = "[lo";
  EXPECT_THROW(build(config), std::invalid_argument);
}

TEST_F(NetifInstancesTest, WithoutNetDevNothingIsAvailable) {
  tree_.remove("proc/net/dev");
  build(tree_.config());
  EXPECT_EQ(source_->instances_at_start(), 0U);
  for (const std::uint16_t id : source_->families()) {
    EXPECT_EQ(source_->availability(id).reason,
              tree_.proc() + "/net/dev: No such file or directory");
  }
  refresh();
  EXPECT_TRUE(sink_.present().empty());
}

TEST_F(NetifInstancesTest, WithoutSysClassNetOnlyTheCountersAreAvailable) {
  tree_.remove("sys/class");
  build(tree_.config());
  EXPECT_TRUE(source_->availability(kRxBytes).available);
  EXPECT_FALSE(source_->availability(kOperstate).available);
  EXPECT_EQ(source_->availability(kFlags).reason,
            tree_.sys() + "/class/net: No such file or directory");
  refresh();
  EXPECT_EQ(ok_bits(sink_, kRxBytes, "eth0"), 18727492U);
  EXPECT_EQ(sink_.reading(kOperstate, "eth0"), nullptr);
}

TEST_F(NetifInstancesTest, AnAttributeTheFirstInterfaceLacksIsUnavailable) {
  tree_.remove("sys/class/net/lo/carrier_changes");
  build(tree_.config());
  EXPECT_EQ(source_->availability(kCarrierChanges).reason,
            tree_.sys() + "/class/net/lo/carrier_changes: No such file or directory");
  EXPECT_TRUE(source_->availability(kCarrier).available);
}

TEST_F(NetifInstancesTest, ACounterFieldNoLineHasIsUnavailable) {
  tree_.rewrite("proc/net/dev", std::string(kNetdevHeader) + "  eth0: 1 2 3 4 5 6 7 8\n");
  build(tree_.config());
  EXPECT_TRUE(source_->availability(kRxMulticast).available);
  EXPECT_EQ(source_->availability(kTxBytes).reason, tree_.proc() + "/net/dev: no line has field 8");
}

TEST_F(NetifInstancesTest, RowsItCannotBindAreUnavailableWithTheirSource) {
  rows_ = {netif_row(9001, "netdev:16"),   netif_row(9002, "netclass:address"),
           netif_row(9003, "netdev:x"),    netif_row(9004, "netclass:mtu", schema::ValueType::F64),
           netif_row(9005, "diskstats:1"), netif_row(9006, "netclass:mtu")};
  build(tree_.config());
  for (std::uint16_t id = 9001; id <= 9005; ++id) {
    EXPECT_EQ(source_->availability(id).reason.rfind("bad source '", 0), 0U)
        << source_->availability(id).reason;
  }
  EXPECT_EQ(source_->availability(9002).reason,
            "bad source 'netclass:address': unknown net class attribute");
  EXPECT_TRUE(source_->availability(9006).available);
}

// ---- This machine ----

std::map<std::string, broker::linux_instances::NetdevLine> read_netdev() {
  std::ifstream in("/proc/net/dev");
  std::stringstream text;
  text << in.rdbuf();
  const std::string bytes = text.str();
  std::map<std::string, broker::linux_instances::NetdevLine> out;
  broker::linux_instances::NetdevLineReader reader(bytes);
  broker::linux_instances::NetdevLine line;
  while (reader.next(line)) {
    const std::string name(line.name);
    line.name = {};
    out.emplace(name, line);
  }
  return out;
}

TEST(NetifInstancesRealProc, LoopbackValuesMatchProcNetDevReadAroundThem) {
  if (!std::filesystem::exists("/proc/net/dev")) GTEST_SKIP() << "no /proc/net/dev here";
  const auto before = read_netdev();
  if (!before.count("lo")) GTEST_SKIP() << "no loopback interface in this network namespace";
  const auto rows = test::linux_rows(InstanceDomain::Netif);
  auto source = make_netif_instances(rows, broker::InstanceConfig{});
  RecordingSink sink;
  sink.begin();
  source->refresh(sink);
  const auto after = read_netdev();
  EXPECT_EQ(sink.present().size(), after.size());
  ASSERT_TRUE(sink.has("lo"));
  const auto& b = before.at("lo");
  const auto& a = after.at("lo");
  for (std::uint16_t id = kRxBytes; id <= kTxCompressed; ++id) {
    const auto got = ok_bits(sink, id, "lo");
    ASSERT_TRUE(got.has_value()) << id;
    EXPECT_LE(b.fields[id - kRxBytes], *got) << id;
    EXPECT_GE(a.fields[id - kRxBytes], *got) << id;
  }
  if (std::filesystem::exists("/sys/class/net/lo/mtu")) {
    EXPECT_TRUE(ok_bits(sink, kMtu, "lo").has_value());
    EXPECT_EQ(ok_bits(sink, kIfindex, "lo"), 1U);
    EXPECT_EQ(status_of(sink, kSpeed, "lo"), SlotStatus::kUnavailable)
        << "loopback has no link speed (EINVAL)";
    EXPECT_EQ(ok_bits(sink, kFlags, "lo").value_or(0) & 0x9U, 0x9U) << "IFF_UP | IFF_LOOPBACK";
  }
}

// Every value of every interface over rtnetlink against /proc/net/dev and sysfs read right after
// (and /proc/net/dev right before): counters may only have grown between the reads, the rest
// must be equal, status included (carrier of an interface that is down: no value either way).
TEST(NetifInstancesRealMachine, LinkValuesMatchProcNetDevAndSysfsReadRightAfter) {
  using broker::linux_instances::AttributeFormat;
  using broker::linux_instances::SysfsAttribute;
  const auto rows = test::linux_rows(InstanceDomain::Netif);
  auto source = make_netif_instances(rows, broker::InstanceConfig{});
  const std::string& detail = source->availability(kRxBytes).detail;
  if (!detail.starts_with("rtnetlink")) GTEST_SKIP() << "not read over rtnetlink: " << detail;
  const auto before = read_netdev();
  RecordingSink sink;
  sink.begin();
  source->refresh(sink);
  const auto after = read_netdev();
  ASSERT_TRUE(sink.has("lo"));
  EXPECT_EQ(sink.present().size(), after.size());
  struct Attribute {
    std::uint16_t family;
    const char* file;
    AttributeFormat format;
    bool counter;
  };
  const std::vector<Attribute> attributes = {
      {kOperstate, "operstate", AttributeFormat::kOperstate, false},
      {kCarrier, "carrier", AttributeFormat::kDecimal, false},
      {kSpeed, "speed", AttributeFormat::kSpeed, false},
      {kMtu, "mtu", AttributeFormat::kDecimal, false},
      {kCarrierChanges, "carrier_changes", AttributeFormat::kDecimal, true},
      {kTxQueueLen, "tx_queue_len", AttributeFormat::kDecimal, false},
      {kIfindex, "ifindex", AttributeFormat::kDecimal, false},
      {kFlags, "flags", AttributeFormat::kHex, false},
      {kAddrAssignType, "addr_assign_type", AttributeFormat::kDecimal, false},
      {kDevId, "dev_id", AttributeFormat::kHex, false},
      {kDormant, "dormant", AttributeFormat::kDecimal, false},
      {kIflink, "iflink", AttributeFormat::kDecimal, false},
      {kNameAssignType, "name_assign_type", AttributeFormat::kDecimal, false},
      {kType, "type", AttributeFormat::kDecimal, false},
      {kCarrierUpCount, "carrier_up_count", AttributeFormat::kDecimal, true},
      {kCarrierDownCount, "carrier_down_count", AttributeFormat::kDecimal, true},
      {kDuplex, "duplex", AttributeFormat::kDuplex, false},
      {kRxNohandler, "statistics/rx_nohandler", AttributeFormat::kDecimal, true},
  };
  std::size_t compared = 0;
  for (const auto& [name, line] : after) {
    if (!sink.has(name) || !before.count(name)) continue;  // came or went between the reads
    for (std::uint16_t id = kRxBytes; id <= kTxCompressed; ++id) {
      const auto got = ok_bits(sink, id, name);
      ASSERT_TRUE(got.has_value()) << name << " " << id;
      EXPECT_LE(before.at(name).fields[id - kRxBytes], *got) << name << " " << id;
      EXPECT_GE(line.fields[id - kRxBytes], *got) << name << " " << id;
    }
    for (const Attribute& a : attributes) {
      const broker::Reading sysfs =
          SysfsAttribute::read_once("/sys/class/net/" + name + "/" + a.file, a.format);
      const broker::Reading* got = sink.reading(a.family, name);
      ASSERT_NE(got, nullptr) << name << " " << a.file;
      EXPECT_EQ(got->status, sysfs.status) << name << " " << a.file;
      if (a.counter) {
        EXPECT_LE(got->bits, sysfs.bits) << name << " " << a.file;
      } else {
        EXPECT_EQ(got->bits, sysfs.bits) << name << " " << a.file;
      }
    }
    // The labels from the dump are what sysfs prints.
    for (const char* label : {"address", "broadcast", "ifalias"}) {
      std::ifstream in("/sys/class/net/" + name + "/" + label);
      std::string text;
      std::getline(in, text);
      EXPECT_EQ(sink.present().at(name).labels.at(label), text) << name << " " << label;
    }
    // A link that is down has no carrier, dormant or duplex (sysfs fails the read).
    if (ok_bits(sink, kOperstate, name) == 2U) {
      for (const std::uint16_t id : {kCarrier, kDormant, kDuplex}) {
        EXPECT_EQ(status_of(sink, id, name), SlotStatus::kUnavailable) << name << " " << id;
      }
    }
    ++compared;
  }
  EXPECT_GE(compared, 1U);
  if (after.count("eth0") != 0) {
    EXPECT_TRUE(sink.has("eth0"));
  }
}

}  // namespace
}  // namespace sysring
