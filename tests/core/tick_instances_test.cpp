// Instances end to end through the tick loop, a real segment and the client library: a scripted
// disk source (the domain's owner) and a scripted non-owner attaching values to cpu instances.
// What clients see: the directory and its generation, handles that read "gone" once an instance
// is removed (even after its row is reused), families read across instances, ring events in
// order with their rows' values, and a full pool that is counted, never corrupting.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core_support.hpp"
#include "instances/instance_source.hpp"
#include "sysring/client.hpp"
#include "sysring/ring_follower.hpp"
#include "tick_loop.hpp"

namespace sysring {
namespace {

using broker::Availability;
using broker::LabelView;
using broker::Reading;

constexpr std::uint64_t kSec = 1'000'000'000ULL;
constexpr std::uint64_t kT0 = 7'000 * kSec;
const auto kReadBytes = static_cast<std::uint16_t>(MetricId::disk_read_bytes);
const auto kInProgress = static_cast<std::uint16_t>(MetricId::disk_io_in_progress);
const auto kCpuUser = static_cast<std::uint16_t>(MetricId::cpu_time_user);

// No scalars: every scalar row is unavailable.
class NoScalars final : public broker::MetricSources {
 public:
  const Availability& availability(std::uint16_t) const override {
    static const Availability kNo{false, "test: scalars not read"};
    return kNo;
  }
  void begin_tick() override {}
  Reading read(std::uint16_t) override { return Reading{layout::SlotStatus::kUnavailable}; }
};

// Owner of a domain: reports the instances in `present` with their values.
class ScriptedOwner final : public broker::InstanceSource {
 public:
  ScriptedOwner(InstanceDomain domain, std::vector<std::uint16_t> families)
      : domain_(domain), families_(std::move(families)) {}
  [[nodiscard]] InstanceDomain domain() const override { return domain_; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return families_; }
  [[nodiscard]] const Availability& availability(std::uint16_t) const override {
    static const Availability kYes{true, ""};
    return kYes;
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return 0; }
  void refresh(broker::InstanceSink& sink) override {
    ++refreshes;
    for (const auto& [name, values] : present) {
      const std::string label_key(domain_label_keys(domain_).front());
      const LabelView labels[] = {{label_key, name}};
      const std::uint32_t row = sink.present(name, labels);
      if (row == broker::kNoRow) continue;
      for (const auto& [family, bits] : values) {
        sink.value(family, row, Reading{layout::SlotStatus::kOk, bits});
      }
    }
  }
  std::map<std::string, std::map<std::uint16_t, std::uint64_t>> present;
  int refreshes = 0;

 private:
  InstanceDomain domain_;
  std::vector<std::uint16_t> families_;
};

// A non-owner of the cpu domain (like the per-CPU counters): values for live instances only.
class ScriptedAttacher final : public broker::InstanceSource {
 public:
  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Cpu; }
  [[nodiscard]] bool owns_domain() const override { return false; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return families_; }
  [[nodiscard]] const Availability& availability(std::uint16_t) const override {
    static const Availability kYes{true, ""};
    return kYes;
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return 0; }
  void refresh(broker::InstanceSink& sink) override {
    for (const auto& [name, bits] : values) {
      const std::uint32_t row = sink.find(name);
      if (row != broker::kNoRow) {
        sink.value(families_[0], row, Reading{layout::SlotStatus::kOk, bits});
      } else {
        ++not_found;
      }
    }
  }
  std::map<std::string, std::uint64_t> values;
  int not_found = 0;

 private:
  std::vector<std::uint16_t> families_{kCpuUser};
};

class TickInstancesTest : public ::testing::Test {
 protected:
  void SetUp() override { build(4); }

  void build(std::uint32_t disk_rows) {
    coretest::SegmentSpec spec;
    spec.name = coretest::unique_segment_name("ti");
    spec.entries = coretest::linux_entries();
    spec.capacities = coretest::test_capacities(disk_rows);
    spec.ring_slot_count = 64;
    spec.ring_slot_size = 4096;
    spec.availability = [](std::uint16_t id) -> const Availability& {
      static const Availability kYes{true, ""};
      static const Availability kNo{false, "test: scalars not read"};
      return coretest::registry_row(id).domain == InstanceDomain::None ? kNo : kYes;
    };
    segment_ = coretest::make_segment(spec);
    disks_ = std::make_unique<ScriptedOwner>(InstanceDomain::Disk,
                                             std::vector<std::uint16_t>{kReadBytes, kInProgress});
    cpus_ = std::make_unique<ScriptedOwner>(InstanceDomain::Cpu, std::vector<std::uint16_t>{});
    attacher_ = std::make_unique<ScriptedAttacher>();
    sources_ = {attacher_.get(), disks_.get(), cpus_.get()};  // the loop puts owners first
    broker::TickOptions options;
    options.quarantine_ns = 3 * kSec;
    loop_ = std::make_unique<broker::TickLoop>(segment_->writer(), segment_->layout(), scalars_,
                                               sources_, spec.entries,
                                               std::span<const broker::Schedule>{}, options);
    segment_->go_live();
    client_ = std::make_unique<Client>(Client::open(coretest::open_options(spec.name)));
    follower_ = std::make_unique<RingFollower>(*client_);
    Batch b;
    ASSERT_EQ(follower_->poll(b), PollResult::kBatch);  // the initial, empty snapshot
  }

  void tick(std::uint64_t k) { loop_->tick(kT0 + k * kSec); }

  std::vector<Batch> drain() {
    std::vector<Batch> out;
    Batch b;
    while (follower_->poll(b) == PollResult::kBatch) out.push_back(b);
    return out;
  }

  NoScalars scalars_;
  std::unique_ptr<coretest::TestSegment> segment_;
  std::unique_ptr<ScriptedOwner> disks_;
  std::unique_ptr<ScriptedOwner> cpus_;
  std::unique_ptr<ScriptedAttacher> attacher_;
  std::vector<broker::InstanceSource*> sources_;
  std::unique_ptr<broker::TickLoop> loop_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<RingFollower> follower_;
};

TEST_F(TickInstancesTest, InstancesAppearInTheDirectoryWithValuesAndEvents) {
  const std::uint64_t generation0 = client_->directory_generation();
  disks_->present["vda"] = {{kReadBytes, 4096}, {kInProgress, 2}};
  disks_->present["sdb"] = {{kReadBytes, 512}};
  tick(0);
  EXPECT_GT(client_->directory_generation(), generation0) << "one load tells instances changed";
  const auto dir = client_->instances();
  const Instance* vda = dir->find(InstanceDomain::Disk, "vda");
  ASSERT_NE(vda, nullptr);
  EXPECT_TRUE(vda->live);
  ASSERT_NE(vda->label("device"), nullptr);
  EXPECT_EQ(*vda->label("device"), "vda");
  EXPECT_EQ(vda->added_ns, kT0);

  const auto handle = client_->bind(MetricId::disk_read_bytes, "vda");
  ASSERT_TRUE(handle.has_value());
  Scalar v;
  ASSERT_EQ(client_->read(*handle, v), ReadStatus::kOk);
  EXPECT_EQ(v.bits, 4096u);
  EXPECT_EQ(v.read_time_ns, kT0);
  const auto sdb_busy = client_->bind(MetricId::disk_io_in_progress, "sdb");
  ASSERT_TRUE(sdb_busy.has_value());
  EXPECT_EQ(client_->read(*sdb_busy, v), ReadStatus::kEmpty) << "sdb reported no such value";
  EXPECT_FALSE(client_->bind(MetricId::disk_read_bytes, "nvme9n1").has_value());
  EXPECT_FALSE(client_->bind(MetricId::mem_free, "vda").has_value()) << "a scalar";

  const FamilyValues family = client_->read_family(MetricId::disk_read_bytes);
  ASSERT_EQ(family.values.size(), 2u);
  std::map<std::string, std::uint64_t> by_name;
  for (const InstanceValue& iv : family.values) {
    EXPECT_EQ(iv.status, ReadStatus::kOk);
    by_name[iv.instance->name] = iv.value.bits;
  }
  EXPECT_EQ(by_name, (std::map<std::string, std::uint64_t>{{"sdb", 512}, {"vda", 4096}}));

  const std::vector<Batch> batches = drain();
  ASSERT_EQ(batches.size(), 1u);
  const Batch& b = batches[0];
  ASSERT_EQ(b.events.size(), 2u);
  for (const InstanceEvent& e : b.events) EXPECT_EQ(e.kind, InstanceEventKind::kAdded);
  std::map<std::string, std::uint64_t> from_ring;
  for (const Delta& d : b.values) {
    if (d.id != MetricId::disk_read_bytes) continue;
    const InstanceEvent* who = follower_->instance(InstanceDomain::Disk, d.row);
    ASSERT_NE(who, nullptr);
    from_ring[who->name] = d.bits;
  }
  EXPECT_EQ(from_ring, by_name);
  const SegmentInfo info = client_->info();
  EXPECT_EQ(info.instances_added, 2u);
  EXPECT_EQ(info.instances_unpublished, 0u);
}

TEST_F(TickInstancesTest, ARemovedInstanceReadsGoneEvenAfterItsRowIsReused) {
  disks_->present["vda"] = {{kReadBytes, 1}};
  disks_->present["sdb"] = {{kReadBytes, 2}};
  tick(0);
  const auto old_sdb = client_->bind(MetricId::disk_read_bytes, "sdb");
  ASSERT_TRUE(old_sdb.has_value());
  const std::uint32_t sdb_id = client_->instances()->find(InstanceDomain::Disk, "sdb")->instance_id;
  drain();

  disks_->present.erase("sdb");
  tick(1);
  Scalar v;
  EXPECT_EQ(client_->read(*old_sdb, v), ReadStatus::kGone);
  const auto dir = client_->instances();
  EXPECT_EQ(dir->find(InstanceDomain::Disk, "sdb"), nullptr) << "no live sdb";
  bool listed_gone = false;
  for (const Instance& i : dir->instances) {
    if (i.name == "sdb") {
      listed_gone = !i.live && i.removed_ns == kT0 + kSec;
    }
  }
  EXPECT_TRUE(listed_gone) << "a gone instance stays listed, with its removal time";
  std::vector<Batch> batches = drain();
  ASSERT_EQ(batches.size(), 1u);
  ASSERT_EQ(batches[0].events.size(), 1u);
  EXPECT_EQ(batches[0].events[0].kind, InstanceEventKind::kRemoved);
  EXPECT_EQ(batches[0].events[0].name, "sdb");

  // Fill every row with new disks (4 rows: vda, sdb's quarantined row, two free), wait out the
  // quarantine so sdb's row is reused by another disk: the old handle still reads gone.
  disks_->present["sdc"] = {{kReadBytes, 3}};
  disks_->present["sdd"] = {{kReadBytes, 4}};
  tick(2);
  EXPECT_EQ(client_->read(*old_sdb, v), ReadStatus::kGone);
  disks_->present["sde"] = {{kReadBytes, 5}};
  tick(3);  // 2 s after the removal: still quarantined, no row for sde
  EXPECT_EQ(client_->instances()->find(InstanceDomain::Disk, "sde"), nullptr);
  EXPECT_EQ(client_->info().instances_unpublished, 1u);
  tick(5);  // past the 3 s quarantine: sde takes sdb's old row
  const Instance* sde = client_->instances()->find(InstanceDomain::Disk, "sde");
  ASSERT_NE(sde, nullptr);
  EXPECT_EQ(sde->row, old_sdb->row) << "the row was reused";
  EXPECT_EQ(client_->read(*old_sdb, v), ReadStatus::kGone) << "never sde's value";
  EXPECT_EQ(client_->info().instances_unpublished, 0u);

  // sdb comes back: its old instance id, a new registration.
  disks_->present.erase("sdc");
  disks_->present["sdb"] = {{kReadBytes, 22}};
  tick(9);
  const Instance* back = client_->instances()->find(InstanceDomain::Disk, "sdb");
  if (back == nullptr) {
    tick(13);  // sdc's row needed its quarantine first
    back = client_->instances()->find(InstanceDomain::Disk, "sdb");
  }
  ASSERT_NE(back, nullptr);
  EXPECT_EQ(back->instance_id, sdb_id);
  EXPECT_NE(back->registration, old_sdb->registration);
  EXPECT_EQ(client_->read(*old_sdb, v), ReadStatus::kGone) << "an old handle stays gone";
  const auto new_sdb = client_->bind(MetricId::disk_read_bytes, "sdb");
  ASSERT_TRUE(new_sdb.has_value());
  ASSERT_EQ(client_->read(*new_sdb, v), ReadStatus::kOk);
  EXPECT_EQ(v.bits, 22u);
}

TEST_F(TickInstancesTest, AFullPoolIsCountedAndLoggedNotCorrupting) {
  for (int i = 0; i < 7; ++i) disks_->present["d" + std::to_string(i)] = {{kReadBytes, 100u + i}};
  tick(0);
  const SegmentInfo info = client_->info();
  EXPECT_EQ(info.instances_unpublished, 3u) << "4 rows, 7 disks";
  EXPECT_EQ(client_->instances()->live(InstanceDomain::Disk).size(), 4u);
  EXPECT_EQ(client_->read_family(MetricId::disk_read_bytes).values.size(), 4u);
  for (const InstanceValue& v : client_->read_family(MetricId::disk_read_bytes).values) {
    EXPECT_EQ(v.value.bits, 100u + std::stoul(v.instance->name.substr(1)))
        << "each row holds its own instance's value";
  }
  tick(1);  // the broker keeps running
  EXPECT_EQ(client_->info().tick_count, 2u);
}

TEST_F(TickInstancesTest, NonOwnersAttachValuesToTheOwnersInstancesOnly) {
  cpus_->present["cpu0"] = {};
  cpus_->present["cpu1"] = {};
  attacher_->values = {{"cpu0", 10}, {"cpu1", 11}, {"cpu7", 17}};
  tick(0);
  const FamilyValues user = client_->read_family(MetricId::cpu_time_user);
  ASSERT_EQ(user.values.size(), 2u);
  EXPECT_EQ(user.values[0].value.bits + user.values[1].value.bits, 21u);
  EXPECT_EQ(attacher_->not_found, 1) << "cpu7 is no instance: its value is dropped";
  // cpu1 goes offline: the attacher's value for it goes nowhere, the handle reads gone.
  const auto cpu1 = client_->bind(MetricId::cpu_time_user, "cpu1");
  ASSERT_TRUE(cpu1.has_value());
  cpus_->present.erase("cpu1");
  tick(1);
  Scalar v;
  EXPECT_EQ(client_->read(*cpu1, v), ReadStatus::kGone);
}

TEST_F(TickInstancesTest, ALateFollowerGetsEveryLiveInstanceInItsSnapshot) {
  disks_->present["vda"] = {{kReadBytes, 1}};
  disks_->present["sdb"] = {{kReadBytes, 2}};
  tick(0);
  disks_->present.erase("sdb");
  tick(1);
  RingFollower late(*client_);
  Batch b;
  ASSERT_EQ(late.poll(b), PollResult::kBatch);
  ASSERT_TRUE(b.from_value_table);
  ASSERT_EQ(b.events.size(), 1u) << "only the live instance";
  EXPECT_EQ(b.events[0].name, "vda");
  EXPECT_EQ(b.events[0].kind, InstanceEventKind::kAdded);
  bool has_vda = false;
  for (const Delta& d : b.values) {
    if (d.id == MetricId::disk_read_bytes) {
      EXPECT_EQ(d.row, b.events[0].row);
      EXPECT_EQ(d.bits, 1u);
      has_vda = true;
    }
  }
  EXPECT_TRUE(has_vda);
}

}  // namespace
}  // namespace sysring
