// The disk source over fixture trees (devices that come and go, the exclusion regex, older
// kernels, availability reasons) and over this machine's /proc/diskstats.
#include "sources/linux/disk_instances.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "family_row.hpp"
#include "linux_fixture_tree.hpp"
#include "recording_sink.hpp"
#include "sink_readings.hpp"
#include "sources/linux/diskstats_parser.hpp"
#include "sources/linux/linux_instance_factories.hpp"

namespace sysring {
namespace {

using broker::linux_instances::make_disk_instances;
using layout::SlotStatus;
using test::FixtureTree;
using test::names;
using test::ok_bits;
using test::RecordingSink;
using test::status_of;

constexpr std::uint16_t kReadsCompleted = 530;
constexpr std::uint16_t kReadBytes = 532;
constexpr std::uint16_t kWriteBytes = 536;
constexpr std::uint16_t kIoInProgress = 538;
constexpr std::uint16_t kWeightedTime = 540;
constexpr std::uint16_t kDiscardsCompleted = 541;
constexpr std::uint16_t kDiscardBytes = 543;
constexpr std::uint16_t kFlushes = 545;
constexpr std::uint16_t kFlushTime = 546;

registry::RegistryEntry disk_row(std::uint16_t id, std::string_view source,
                                 schema::ValueType type = schema::ValueType::U64) {
  return test::family_row(id, InstanceDomain::Disk, source, type);
}

class DiskInstancesTest : public ::testing::Test {
 protected:
  void build(const broker::InstanceConfig& config) { source_ = make_disk_instances(rows_, config); }
  void refresh() {
    sink_.begin();
    source_->refresh(sink_);
  }

  std::vector<registry::RegistryEntry> rows_ = test::linux_rows(InstanceDomain::Disk);
  std::unique_ptr<broker::InstanceSource> source_;
  RecordingSink sink_;
};

TEST_F(DiskInstancesTest, EveryDiskRowIsAFamilyAndAvailableOnA55Kernel) {
  FixtureTree tree("disk_mixed");
  build(tree.config());
  EXPECT_EQ(source_->domain(), InstanceDomain::Disk);
  EXPECT_TRUE(source_->owns_domain());
  ASSERT_EQ(source_->families().size(), 17U);
  for (const std::uint16_t id : source_->families()) {
    EXPECT_GE(id, 530);
    EXPECT_LE(id, 546);
    EXPECT_TRUE(source_->availability(id).available)
        << id << ": " << source_->availability(id).reason;
  }
  EXPECT_FALSE(source_->availability(560).available) << "not a disk family";
}

TEST_F(DiskInstancesTest, TheDefaultExclusionKeepsWholeDisksOnly) {
  FixtureTree tree("disk_mixed");
  build(tree.config());
  EXPECT_EQ(source_->instances_at_start(), 3U);
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"nvme0n1", "sda", "vda"}))
      << "loop0, zram0, sda1 and nvme0n1p1 are left out";
  // vda and nvme0n1 have no udev record: their udev labels are empty, never missing.
  using Labels = std::map<std::string, std::string>;
  EXPECT_EQ(sink_.present().at("vda").labels, (Labels{{"device", "vda"},
                                                      {"major", "252"},
                                                      {"minor", "0"},
                                                      {"path", ""},
                                                      {"serial", ""},
                                                      {"model", ""},
                                                      {"revision", ""},
                                                      {"wwn", ""}}));
  EXPECT_EQ(sink_.present().at("nvme0n1").labels.at("major"), "259");
  EXPECT_EQ(sink_.present().at("sda").labels, (Labels{{"device", "sda"},
                                                      {"major", "8"},
                                                      {"minor", "0"},
                                                      {"path", "pci-0000:00:1f.2-ata-1"},
                                                      {"serial", "QM00001"},
                                                      {"model", "QEMU_HARDDISK"},
                                                      {"revision", "2.5+"},
                                                      {"wwn", "0x5000c500a1b2c3d4"}}));
}

// udev writes a record after the disk's line appears: it is read again every
// kUdevRereadRefreshes refreshes, and at once when the name gets other numbers.
TEST_F(DiskInstancesTest, UdevLabelsAreReadAgainPeriodicallyAndOnNewNumbers) {
  FixtureTree tree("disk_mixed");
  build(tree.config());
  refresh();
  EXPECT_EQ(sink_.present().at("vda").labels.at("serial"), "");
  tree.rewrite("udev/b252:0", "E:ID_SERIAL_SHORT=later\n");
  for (std::uint32_t i = 1; i < broker::linux_instances::DiskInstances::kUdevRereadRefreshes; ++i) {
    refresh();
    ASSERT_EQ(sink_.present().at("vda").labels.at("serial"), "") << "refresh " << i;
  }
  refresh();
  EXPECT_EQ(sink_.present().at("vda").labels.at("serial"), "later");

  tree.rewrite("udev/b252:16", "E:ID_SERIAL_SHORT=replaced\n");
  tree.rewrite("proc/diskstats", " 252      16 vda 1 0 8 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
  refresh();
  EXPECT_EQ(sink_.present().at("vda").labels.at("minor"), "16");
  EXPECT_EQ(sink_.present().at("vda").labels.at("serial"), "replaced");
}

TEST_F(DiskInstancesTest, ValuesAreTheFieldsAndSectorsArePublishedInBytes) {
  FixtureTree tree("disk_mixed");
  build(tree.config());
  refresh();
  EXPECT_EQ(ok_bits(sink_, kReadsCompleted, "vda"), 22205U);
  EXPECT_EQ(ok_bits(sink_, kReadBytes, "vda"), 2915898U * 512);
  EXPECT_EQ(ok_bits(sink_, kWriteBytes, "vda"), 3946568U * 512);
  EXPECT_EQ(ok_bits(sink_, kIoInProgress, "vda"), 0U);
  EXPECT_EQ(ok_bits(sink_, kWeightedTime, "vda"), 47181U);
  EXPECT_EQ(ok_bits(sink_, kDiscardBytes, "vda"), 2424560U * 512);
  EXPECT_EQ(ok_bits(sink_, kFlushes, "vda"), 319U);
  EXPECT_EQ(ok_bits(sink_, kFlushTime, "vda"), 212U);
  EXPECT_EQ(ok_bits(sink_, kIoInProgress, "nvme0n1"), 2U);
  EXPECT_EQ(ok_bits(sink_, kFlushTime, "sda"), 9U);
  EXPECT_EQ(sink_.reading(kReadsCompleted, "sda1"), nullptr) << "excluded: no values either";
}

TEST_F(DiskInstancesTest, DisksAppearAndDisappearWithTheirLines) {
  FixtureTree tree("disk_mixed");
  build(tree.config());
  refresh();
  ASSERT_TRUE(sink_.has("vda"));
  tree.rewrite("proc/diskstats",
               "   8       0 sda 101 1 2000 50 200 2 4000 70 0 90 120 5 0 40 3 7 9\n"
               "   8      16 sdb 7 0 56 1 0 0 0 0 0 1 1 0 0 0 0 0 0\n"
               " 259       0 nvme0n1 5000 10 400000 900 6000 20 800000 1200 2 3000 4100 0 0 0 0 "
               "50 60\n");
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"nvme0n1", "sda", "sdb"}));
  EXPECT_EQ(ok_bits(sink_, kReadsCompleted, "sda"), 101U) << "the kept-open file is re-read";
  EXPECT_EQ(ok_bits(sink_, kReadBytes, "sdb"), 56U * 512);
  tree.rewrite("proc/diskstats",
               " 252       0 vda 22300 6079 2915898 23658 19098 8598 3946568 20757 0 12992 47181 "
               "5128 64 2424560 2553 319 212\n");
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"vda"}));
  EXPECT_EQ(ok_bits(sink_, kReadsCompleted, "vda"), 22300U);
  tree.rewrite("proc/diskstats", "");
  refresh();
  EXPECT_TRUE(sink_.present().empty()) << "no line: every disk is gone";
}

TEST_F(DiskInstancesTest, ALineOfOneNameTwiceIsOneDisk) {
  FixtureTree tree("disk_mixed");
  tree.rewrite("proc/diskstats",
               "   8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n"
               "   8 0 sda 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9 9\n");
  build(tree.config());
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"sda"}));
  EXPECT_EQ(ok_bits(sink_, kReadsCompleted, "sda"), 1U) << "the first line counts";
}

TEST_F(DiskInstancesTest, TheExclusionRegexIsTheConfigs) {
  FixtureTree tree("disk_mixed");
  broker::InstanceConfig config = tree.config();
  config.disk_exclude = "^sd";
  build(config);
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"loop0", "nvme0n1", "nvme0n1p1", "vda", "zram0"}));
  config.disk_exclude.clear();
  build(config);
  EXPECT_EQ(source_->instances_at_start(), 7U);
  refresh();
  EXPECT_EQ(names(sink_).size(), 7U) << "an empty pattern leaves nothing out";
}

TEST_F(DiskInstancesTest, ABadRegexIsAOneLineInvalidArgument) {
  FixtureTree tree("disk_mixed");
  broker::InstanceConfig config = tree.config();
  config.disk_exclude = "^(loop";
  try {
    build(config);
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("disk_exclude"), std::string::npos) << what;
    EXPECT_NE(what.find("^(loop"), std::string::npos) << what;
    EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  }
}

TEST_F(DiskInstancesTest, FieldsAnOlderKernelLacksAreUnavailableFamilies) {
  FixtureTree tree("disk_old_kernel");
  build(tree.config());
  for (std::uint16_t id = 530; id <= 540; ++id) EXPECT_TRUE(source_->availability(id).available);
  for (std::uint16_t id = 541; id <= 546; ++id) {
    EXPECT_FALSE(source_->availability(id).available) << id;
  }
  EXPECT_EQ(source_->availability(kDiscardsCompleted).reason,
            tree.proc() + "/diskstats: no line has field 11");
  EXPECT_EQ(source_->availability(kFlushTime).reason,
            tree.proc() + "/diskstats: no line has field 16");
  refresh();
  EXPECT_EQ(names(sink_), (std::set<std::string>{"sda"}));
  EXPECT_EQ(ok_bits(sink_, kWeightedTime, "sda"), 23705160U);
  EXPECT_EQ(sink_.reading(kFlushes, "sda"), nullptr) << "an unavailable family is not read";
}

TEST_F(DiskInstancesTest, AShortLineAmongLongOnesIsUnavailableForWhatItLacks) {
  FixtureTree tree("disk_mixed");
  build(tree.config());
  tree.rewrite("proc/diskstats",
               "   8 0 sda 1 2 3 4 5 6 7 8 9 10 11\n"
               " 252 0 vda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n");
  refresh();
  EXPECT_EQ(ok_bits(sink_, kWeightedTime, "sda"), 11U);
  EXPECT_EQ(status_of(sink_, kFlushes, "sda"), SlotStatus::kUnavailable);
  EXPECT_EQ(status_of(sink_, kDiscardBytes, "sda"), SlotStatus::kUnavailable);
  EXPECT_EQ(ok_bits(sink_, kFlushTime, "vda"), 17U);
}

TEST_F(DiskInstancesTest, ASectorCountPastU64InBytesIsAReadError) {
  FixtureTree tree("disk_mixed");
  build(tree.config());
  tree.rewrite("proc/diskstats", "   8 0 sda 1 2 18446744073709551615 4 5 6 7 8 9 10 11\n");
  refresh();
  EXPECT_EQ(status_of(sink_, kReadBytes, "sda"), SlotStatus::kReadError);
  EXPECT_EQ(ok_bits(sink_, kReadsCompleted, "sda"), 1U);
}

TEST_F(DiskInstancesTest, WithoutDiskstatsEveryFamilyIsUnavailableAndNoDiskExists) {
  FixtureTree tree("disk_mixed");
  tree.remove("proc/diskstats");
  build(tree.config());
  EXPECT_EQ(source_->instances_at_start(), 0U);
  for (const std::uint16_t id : source_->families()) {
    EXPECT_EQ(source_->availability(id).reason,
              tree.proc() + "/diskstats: No such file or directory");
  }
  refresh();
  EXPECT_TRUE(sink_.present().empty());
}

TEST_F(DiskInstancesTest, NoDeviceAtStartLeavesEveryFieldAvailable) {
  FixtureTree tree("disk_mixed");
  tree.rewrite("proc/diskstats", "");
  build(tree.config());
  EXPECT_EQ(source_->instances_at_start(), 0U);
  for (const std::uint16_t id : source_->families()) {
    EXPECT_TRUE(source_->availability(id).available) << id;
  }
}

TEST_F(DiskInstancesTest, RowsItCannotBindAreUnavailableWithTheirSource) {
  FixtureTree tree("disk_mixed");
  rows_ = {
      disk_row(9001, "diskstats:x"),        disk_row(9002, "diskstats:17"),
      disk_row(9003, "netdev:1"),           disk_row(9004, "diskstats:2", schema::ValueType::F64),
      disk_row(9005, "diskstats:2:blocks"), disk_row(9006, "diskstats:6:sectors")};
  build(tree.config());
  ASSERT_EQ(source_->families().size(), 6U);
  for (std::uint16_t id = 9001; id <= 9005; ++id) {
    const auto& a = source_->availability(id);
    EXPECT_FALSE(a.available) << id;
    EXPECT_EQ(a.reason.rfind("bad source '", 0), 0U) << a.reason;
  }
  EXPECT_EQ(source_->availability(9002).reason,
            "bad source 'diskstats:17': diskstats lines have 17 fields, 0 to 16");
  EXPECT_TRUE(source_->availability(9006).available);
  refresh();
  EXPECT_EQ(ok_bits(sink_, 9006, "vda"), 3946568U * 512);
}

TEST_F(DiskInstancesTest, RowsOfOtherDomainsAndPlatformsAreNotItsFamilies) {
  FixtureTree tree("disk_mixed");
  rows_ = test::linux_rows(InstanceDomain::Netif);
  registry::RegistryEntry foreign = disk_row(9010, "diskstats:0");
  foreign.platform = "counters";
  rows_.push_back(foreign);
  build(tree.config());
  EXPECT_TRUE(source_->families().empty());
}

TEST_F(DiskInstancesTest, AnInstanceWithoutARowGetsNoValues) {
  FixtureTree tree("disk_mixed");
  build(tree.config());
  sink_.refuse_all = true;
  refresh();
  EXPECT_EQ(sink_.reading(kReadsCompleted, "vda"), nullptr);
}

// ---- This machine ----

std::map<std::string, broker::linux_instances::DiskLine> read_diskstats() {
  std::ifstream in("/proc/diskstats");
  std::stringstream text;
  text << in.rdbuf();
  const std::string bytes = text.str();
  std::map<std::string, broker::linux_instances::DiskLine> out;
  broker::linux_instances::DiskLineReader reader(bytes);
  broker::linux_instances::DiskLine line;
  while (reader.next(line)) {
    const std::string name(line.name);
    line.name = {};  // the view would dangle
    out.emplace(name, line);
  }
  return out;
}

TEST(DiskInstancesRealProc, ValuesMatchProcDiskstatsReadAroundThem) {
  if (!std::filesystem::exists("/proc/diskstats")) GTEST_SKIP() << "no /proc/diskstats here";
  const auto rows = test::linux_rows(InstanceDomain::Disk);
  auto source = make_disk_instances(rows, broker::InstanceConfig{});
  RecordingSink sink;
  const auto before = read_diskstats();
  sink.begin();
  source->refresh(sink);
  const auto after = read_diskstats();
  if (sink.present().empty()) GTEST_SKIP() << "no disk left by the default exclusion";
  for (const auto& [name, seen] : sink.present()) {
    ASSERT_TRUE(before.count(name) && after.count(name)) << name << " came or went meanwhile";
    const auto& b = before.at(name);
    const auto& a = after.at(name);
    for (const registry::RegistryEntry& row : rows) {
      if (!source->availability(row.id).available) continue;
      const std::size_t field = std::stoul(std::string(row.source.substr(10)));
      const std::uint64_t scale = row.source.ends_with(":sectors") ? 512 : 1;
      if (field >= b.field_count) continue;
      const auto got = ok_bits(sink, row.id, name);
      ASSERT_TRUE(got.has_value()) << name << " " << row.name;
      if (field == 8) continue;  // I/Os in progress is a gauge: it may go down meanwhile
      EXPECT_LE(b.fields[field] * scale, *got) << name << " " << row.name;
      EXPECT_GE(a.fields[field] * scale, *got) << name << " " << row.name;
    }
  }
  if (before.count("vda") != 0) {
    EXPECT_TRUE(sink.has("vda"));
  }
}

}  // namespace
}  // namespace sysring
