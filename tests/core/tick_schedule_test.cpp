// TickLoop follows the effective schedule resolved from a config file (docs/CONFIG.md), and the
// descriptors publish it: a TTL raised to 5 s is read every 5 s, a disabled metric never, a
// POLLED metric turned STATIC once.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core_support.hpp"
#include "scheduler/monotonic_chain.hpp"
#include "sources/metric_sources.hpp"
#include "sysring/client.hpp"
#include "tick_loop.hpp"

namespace sysring {
namespace {

constexpr std::uint64_t kSec = 1'000'000'000ULL;
constexpr std::uint64_t kT0 = 7'000 * kSec;

std::uint16_t u16(MetricId id) {
  return static_cast<std::uint16_t>(id);
}

// Every metric available, every read succeeds with the value 42; reads are counted.
class CountingSources final : public broker::MetricSources {
 public:
  const broker::Availability& availability(std::uint16_t) const override { return kAvailable; }
  void begin_tick() override {}
  broker::Reading read(std::uint16_t id) override {
    ++reads[id];
    return broker::Reading{layout::SlotStatus::kOk, 42, {}};
  }
  std::map<std::uint16_t, int> reads;

 private:
  static inline const broker::Availability kAvailable{true, ""};
};

class TickScheduleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const MetricId id :
         {MetricId::mem_free, MetricId::mem_cached, MetricId::vm_pgfault, MetricId::mem_total}) {
      entries_.push_back(coretest::registry_row(u16(id)));
    }
    ASSERT_EQ(entries_[0].recommended_pattern, schema::AccessPattern::Polled);
    ASSERT_EQ(entries_[0].ttl_ms, 1000u);
    ASSERT_EQ(entries_[1].recommended_pattern, schema::AccessPattern::Polled);
    ASSERT_EQ(entries_[2].recommended_pattern, schema::AccessPattern::Polled);
    std::istringstream config("[metric." + std::string(entries_[0].name) +
                              "]\nttl_ms = 5000\n"
                              "[metric." +
                              std::string(entries_[1].name) +
                              "]\npattern = static\n"
                              "[metric." +
                              std::string(entries_[2].name) + "]\npattern = disabled\n");
    schedules_ = broker::resolve_schedules(
        entries_, broker::parse_schedule_config(config, "tick_schedule_test.conf"));

    coretest::SegmentSpec spec;
    spec.name = coretest::unique_segment_name("ts");
    spec.entries = entries_;
    spec.schedules = schedules_;
    segment_ = coretest::make_segment(spec);
    loop_ = std::make_unique<broker::TickLoop>(segment_->writer(), segment_->layout(), src_,
                                               std::span<broker::InstanceSource* const>{}, entries_,
                                               schedules_);
    segment_->go_live();
    client_ = std::make_unique<Client>(Client::open(coretest::open_options(spec.name)));
  }

  std::vector<registry::RegistryEntry> entries_;
  std::vector<broker::Schedule> schedules_;
  CountingSources src_;
  std::unique_ptr<coretest::TestSegment> segment_;
  std::unique_ptr<broker::TickLoop> loop_;
  std::unique_ptr<Client> client_;
};

TEST_F(TickScheduleTest, RaisedTtlIsReadEveryFiveSeconds) {
  for (std::uint64_t k = 0; k <= 10; ++k) loop_->tick(kT0 + k * kSec);
  EXPECT_EQ(src_.reads[u16(MetricId::mem_free)], 3) << "at 0, 5 and 10 s, not every 1 s tick";
  Scalar v;
  ASSERT_EQ(client_->read(MetricId::mem_free, v), ReadStatus::kOk);
  EXPECT_EQ(v.read_time_ns, kT0 + 10 * kSec);
  loop_->tick(kT0 + 14 * kSec);
  EXPECT_EQ(src_.reads[u16(MetricId::mem_free)], 3) << "next due at 15 s";
  loop_->tick(kT0 + 15 * kSec);
  EXPECT_EQ(src_.reads[u16(MetricId::mem_free)], 4);
}

TEST_F(TickScheduleTest, LoweredPatternsAreHonoured) {
  for (std::uint64_t k = 0; k <= 10; ++k) loop_->tick(kT0 + k * kSec);
  EXPECT_EQ(src_.reads[u16(MetricId::mem_cached)], 1) << "POLLED lowered to STATIC: read once";
  EXPECT_EQ(src_.reads.count(u16(MetricId::vm_pgfault)), 0u) << "DISABLED: never read";
  EXPECT_EQ(src_.reads[u16(MetricId::mem_total)], 1) << "untouched STATIC";
}

TEST_F(TickScheduleTest, DescriptorsPublishTheEffectiveSchedule) {
  std::map<MetricId, const Descriptor*> by_id;
  for (const Descriptor& d : client_->descriptors()) by_id[d.id] = &d;
  ASSERT_EQ(by_id.size(), 4u);
  const Descriptor& free = *by_id.at(MetricId::mem_free);
  EXPECT_EQ(free.recommended_pattern, schema::AccessPattern::Polled);
  EXPECT_EQ(free.ttl_ms, 1000u) << "the registry's values stay as they were";
  EXPECT_EQ(free.effective_pattern, schema::AccessPattern::Polled);
  EXPECT_EQ(free.effective_ttl_ms, 5000u);
  EXPECT_EQ(by_id.at(MetricId::mem_cached)->effective_pattern, schema::AccessPattern::Static);
  EXPECT_EQ(by_id.at(MetricId::mem_cached)->effective_ttl_ms, 0u);
  EXPECT_EQ(by_id.at(MetricId::vm_pgfault)->effective_pattern, schema::AccessPattern::Disabled);
  EXPECT_EQ(by_id.at(MetricId::mem_total)->effective_pattern, schema::AccessPattern::Static);
}

}  // namespace
}  // namespace sysring
