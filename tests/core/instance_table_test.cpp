// The broker's instance bookkeeping, without a segment: rows, stable instance ids per name,
// registration numbers, the quarantine before a freed row is reused, labels as identity, and
// refusals (pool full, limits, directory budget) that are counted instead of corrupting.
#include <gtest/gtest.h>

#include <array>
#include <set>
#include <string>
#include <vector>

#include "instances/instance_table.hpp"

namespace sysring::broker {
namespace {

constexpr std::uint64_t kSec = 1'000'000'000ULL;
constexpr auto kDisk = InstanceDomain::Disk;

std::array<std::uint32_t, kDomainCount> capacities(std::uint32_t rows) {
  std::array<std::uint32_t, kDomainCount> c{};
  c.fill(rows);
  c[0] = 1;
  return c;
}

// One owner refresh that reports exactly `names` (label device = name).
void refresh(InstanceTable& t, const std::vector<std::string>& names, std::uint64_t now,
             std::vector<std::uint32_t>* rows = nullptr) {
  t.begin_refresh(kDisk);
  for (const std::string& n : names) {
    const LabelView labels[] = {{"device", n}};
    const std::uint32_t row = t.present(kDisk, n, labels, now);
    if (rows != nullptr) rows->push_back(row);
  }
  t.end_refresh(kDisk, now);
}

TEST(InstanceTable, AddsRemovesAndKeepsIdsPerName) {
  InstanceTable t(capacities(4), kSec, 100, 1 << 20);
  std::vector<std::uint32_t> rows;
  refresh(t, {"vda", "vdb"}, 1 * kSec, &rows);
  ASSERT_EQ(rows, (std::vector<std::uint32_t>{0, 1}));
  ASSERT_EQ(t.events().size(), 2u);
  EXPECT_EQ(t.events()[0].kind, InstanceEventKind::kAdded);
  EXPECT_EQ(t.events()[0].name, "vda");
  EXPECT_EQ(t.events()[0].registration, 100u);
  EXPECT_EQ(t.events()[1].registration, 101u);
  EXPECT_EQ(t.live_count(kDisk), 2u);
  EXPECT_EQ(t.find(kDisk, "vdb"), 1u);
  EXPECT_TRUE(t.changed());
  t.clear_events();
  t.clear_changed();

  refresh(t, {"vda", "vdb"}, 2 * kSec);
  EXPECT_TRUE(t.events().empty()) << "the same instances: nothing happens";
  EXPECT_FALSE(t.changed());

  refresh(t, {"vda"}, 3 * kSec);
  ASSERT_EQ(t.events().size(), 1u);
  EXPECT_EQ(t.events()[0].kind, InstanceEventKind::kRemoved);
  EXPECT_EQ(t.events()[0].name, "vdb");
  EXPECT_EQ(t.find(kDisk, "vdb"), kNoRow);
  const InstanceRecord* gone = t.record(kDisk, 1);
  ASSERT_NE(gone, nullptr) << "a gone record stays in its row during the quarantine";
  EXPECT_FALSE(gone->live);
  EXPECT_EQ(gone->removed_ns, 3 * kSec);
  const std::uint32_t vdb_id = gone->instance_id;
  t.clear_events();

  // vdb comes back: its old instance id, a new registration, a row never used before.
  refresh(t, {"vda", "vdb"}, 4 * kSec, &rows);
  ASSERT_EQ(t.events().size(), 1u);
  EXPECT_EQ(t.events()[0].instance_id, vdb_id);
  EXPECT_EQ(t.events()[0].registration, 102u);
  EXPECT_EQ(t.events()[0].row, 2u);
}

TEST(InstanceTable, AFreedRowWaitsOutTheQuarantine) {
  InstanceTable t(capacities(2), 5 * kSec, 1, 1 << 20);
  refresh(t, {"a", "b"}, 0);
  refresh(t, {"a"}, 1 * kSec);  // b goes at 1 s: its row 1 is quarantined until 6 s
  t.clear_events();
  std::vector<std::uint32_t> rows;
  refresh(t, {"a", "c"}, 2 * kSec, &rows);
  EXPECT_EQ(rows[1], kNoRow) << "no free row: b's is still quarantined";
  EXPECT_EQ(t.unpublished(), 1u);
  EXPECT_NE(t.first_refusal().find("rows of the domain are taken"), std::string::npos)
      << t.first_refusal();
  EXPECT_TRUE(t.events().empty());
  rows.clear();
  refresh(t, {"a", "c"}, 6 * kSec, &rows);
  EXPECT_EQ(rows[1], 1u) << "reused once the quarantine has passed";
  EXPECT_EQ(t.unpublished(), 0u) << "counts what the last refresh could not publish";
  EXPECT_EQ(t.record(kDisk, 1)->name, "c") << "b's gone record made room";
}

TEST(InstanceTable, RegistrationNumbersNeverRepeatUnderChurn) {
  InstanceTable t(capacities(3), 0, 1, 1 << 20);
  std::set<std::uint64_t> registrations;
  std::uint64_t now = 0;
  for (int i = 0; i < 1000; ++i) {
    refresh(t, {"x" + std::to_string(i % 7)}, now += kSec);
    for (const InstanceEvent& e : t.events()) {
      if (e.kind == InstanceEventKind::kAdded) {
        EXPECT_TRUE(registrations.insert(e.registration).second) << e.registration;
      }
    }
    t.clear_events();
  }
  EXPECT_EQ(registrations.size(), 1000u);
}

TEST(InstanceTable, NewLabelsAreANewRegistrationOfTheSameInstance) {
  InstanceTable t(capacities(4), 0, 1, 1 << 20);
  const LabelView ext4[] = {{"device", "/dev/vda1"}, {"fstype", "ext4"}};
  const LabelView xfs[] = {{"device", "/dev/vdb1"}, {"fstype", "xfs"}};
  const auto fs = InstanceDomain::Filesystem;
  t.begin_refresh(fs);
  const std::uint32_t first = t.present(fs, "/data", ext4, 1);
  t.end_refresh(fs, 1);
  t.clear_events();
  t.begin_refresh(fs);
  const std::uint32_t second = t.present(fs, "/data", xfs, 2);
  t.end_refresh(fs, 2);
  ASSERT_EQ(t.events().size(), 2u);
  EXPECT_EQ(t.events()[0].kind, InstanceEventKind::kRemoved);
  EXPECT_EQ(t.events()[1].kind, InstanceEventKind::kAdded);
  EXPECT_EQ(t.events()[0].instance_id, t.events()[1].instance_id);
  EXPECT_NE(t.events()[0].registration, t.events()[1].registration);
  EXPECT_NE(first, second);
  ASSERT_EQ(t.events()[1].labels.size(), 2u);
  EXPECT_EQ(t.events()[1].labels[1].value, "xfs");
}

TEST(InstanceTable, LimitsAndTheDirectoryBudgetRefuseWithoutCorrupting) {
  InstanceLimits limits;
  limits.max_name_bytes = 16;
  limits.max_labels = 2;
  limits.max_label_bytes = 8;
  InstanceTable t(capacities(8), 0, 1, 600, limits);
  t.begin_refresh(kDisk);
  const LabelView ok[] = {{"device", "vda"}};
  const LabelView long_value[] = {{"device", "123456789"}};
  const LabelView three[] = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  EXPECT_EQ(t.present(kDisk, "vda", ok, 1), 0u);
  EXPECT_EQ(t.present(kDisk, std::string(17, 'n'), ok, 1), kNoRow);
  EXPECT_EQ(t.present(kDisk, "", ok, 1), kNoRow);
  EXPECT_EQ(t.present(kDisk, "x", long_value, 1), kNoRow);
  EXPECT_EQ(t.present(kDisk, "y", three, 1), kNoRow);
  // The budget: each record costs record_bytes(); 600 bytes hold a few small ones.
  std::uint32_t published = 1;
  for (int i = 0; i < 8; ++i) {
    if (t.present(kDisk, "d" + std::to_string(i), ok, 1) != kNoRow) ++published;
  }
  t.end_refresh(kDisk, 1);
  const std::vector<Label> one = {{"device", "vda"}};
  EXPECT_EQ(published, 600 / InstanceTable::record_bytes("d0", one));
  EXPECT_EQ(t.unpublished(), 4u + (9 - published));
  EXPECT_FALSE(t.first_refusal().empty());
}

}  // namespace
}  // namespace sysring::broker
