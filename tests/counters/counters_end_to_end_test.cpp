// Counters end to end: scripted backend -> CounterSources -> TickLoop -> a real segment, seen as
// clients see it: Client::read_counter (pmc.all.*), per-CPU handles and family reads (pmc.*
// families of the cpu instances), the descriptors, the ring's counter deltas.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core_support.hpp"
#include "counters/counter_sources.hpp"
#include "fake_backend.hpp"
#include "sysring/client.hpp"
#include "sysring/counter_sample.hpp"
#include "sysring/ring_follower.hpp"
#include "tick_loop.hpp"

namespace sysring {
namespace {

using broker::counters::BoundEvent;
using broker::counters::CounterSetup;
using countertest::FakeBackend;

constexpr std::uint64_t kSec = 1'000'000'000ULL;

// The cpu domain's owner, as per-CPU /proc/stat is on Linux: cpu0 and cpu1 while online.
class ScriptedCpus final : public broker::InstanceSource {
 public:
  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Cpu; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return {}; }
  [[nodiscard]] const broker::Availability& availability(std::uint16_t) const override {
    static const broker::Availability kNo{false, "not a cpu row of this test"};
    return kNo;
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return 2; }
  void refresh(broker::InstanceSink& sink) override {
    for (int cpu = 0; cpu < 2; ++cpu) {
      if (!online[cpu]) continue;
      const std::string name = "cpu" + std::to_string(cpu);
      const std::string number = std::to_string(cpu);
      const broker::LabelView labels[] = {{"cpu", number}};
      (void)sink.present(name, labels);
    }
  }
  bool online[2] = {true, true};
};

class CountersEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& e : registry::kEntries) {
      if (e.platform == "counters") entries_.push_back(e);
    }
    auto backend = std::make_unique<FakeBackend>(
        std::vector<BoundEvent>{
            {"cycles", "cycles", "perf hardware 0x0, group 0 of 1"},
            {"instructions", "instructions", "perf hardware 0x1, group 0 of 1"}},
        2);
    fake_ = backend.get();
    auto views = broker::counters::make_counter_sources(entries_, CounterSetup{std::move(backend)});
    sources_ = std::move(views.totals);
    per_cpu_ = std::move(views.per_cpu);

    coretest::SegmentSpec spec;
    spec.name = coretest::unique_segment_name("ce");
    spec.entries = entries_;
    spec.ring_slot_count = 16;
    spec.ring_slot_size = 4096;
    spec.counters_summary = fake_->summary();
    spec.availability = [this](std::uint16_t id) -> const broker::Availability& {
      return coretest::registry_row(id).domain == InstanceDomain::None ? sources_->availability(id)
                                                                       : per_cpu_->availability(id);
    };
    segment_ = coretest::make_segment(spec);
    instance_sources_ = {&cpus_, per_cpu_.get()};
    loop_ = std::make_unique<broker::TickLoop>(segment_->writer(), segment_->layout(), *sources_,
                                               instance_sources_, entries_);
    segment_->go_live();
    client_ = std::make_unique<Client>(Client::open(coretest::open_options(spec.name)));
    follower_ = std::make_unique<RingFollower>(*client_);
    Batch initial;
    ASSERT_EQ(follower_->poll(initial), PollResult::kBatch);
  }

  // Counter deltas from the ring by (family, instance name); scalars under the name "".
  std::map<std::pair<MetricId, std::string>, CounterTotals> ring_counters() {
    std::map<std::pair<MetricId, std::string>, CounterTotals> out;
    Batch b;
    while (follower_->poll(b) == PollResult::kBatch) {
      for (const CounterDelta& c : b.counters) {
        const InstanceEvent* cpu = follower_->instance(InstanceDomain::Cpu, c.row);
        const bool scalar = client_->descriptor(c.id)->domain == InstanceDomain::None;
        out[{c.id, scalar ? "" : (cpu != nullptr ? cpu->name : "?")}] = c.totals;
      }
    }
    return out;
  }
  ReadStatus read_cpu(MetricId family, const std::string& cpu, CounterTotals& out) {
    const auto handle = client_->bind(family, cpu);
    if (!handle) return ReadStatus::kNoSuchMetric;
    return client_->read_counter(*handle, out);
  }

  std::vector<registry::RegistryEntry> entries_;
  FakeBackend* fake_ = nullptr;
  std::unique_ptr<broker::MetricSources> sources_;
  std::unique_ptr<broker::InstanceSource> per_cpu_;
  ScriptedCpus cpus_;
  std::vector<broker::InstanceSource*> instance_sources_;
  std::unique_ptr<coretest::TestSegment> segment_;
  std::unique_ptr<broker::TickLoop> loop_;
  std::unique_ptr<Client> client_;
  std::unique_ptr<RingFollower> follower_;
};

TEST_F(CountersEndToEnd, ClientsReadTheThreeWordsOfOneKernelRead) {
  fake_->set(0, 1, 3000, 10 * kSec, 5 * kSec);  // multiplexed: counted half the time
  fake_->set(1, 1, 1000, 10 * kSec, 10 * kSec);
  loop_->tick(7 * kSec);
  CounterTotals t;
  ASSERT_EQ(read_cpu(MetricId::pmc_instructions, "cpu0", t), ReadStatus::kOk);
  EXPECT_EQ(t.count, 3000u);
  EXPECT_EQ(t.time_enabled_ns, 10 * kSec);
  EXPECT_EQ(t.time_running_ns, 5 * kSec);
  EXPECT_EQ(t.read_time_ns, 7 * kSec);
  EXPECT_DOUBLE_EQ(t.scaled(), 6000.0);
  ASSERT_EQ(client_->read_counter(MetricId::pmc_all_instructions, t), ReadStatus::kOk);
  EXPECT_EQ(t.count, 4000u);
  EXPECT_EQ(t.time_running_ns, 15 * kSec);
  // A plain read sees the count, so generic tools still show a number.
  Scalar s;
  ASSERT_EQ(client_->read(MetricId::pmc_all_instructions, s), ReadStatus::kOk);
  EXPECT_EQ(s.bits, 4000u);
  EXPECT_EQ(s.type, ValueType::Counter);
}

TEST_F(CountersEndToEnd, DescriptorsSayWhatIsCountedAndWhatIsNot) {
  EXPECT_EQ(client_->counters_summary(), "fake: scripted counters");
  const Descriptor* cycles = client_->descriptor(MetricId::pmc_cycles);
  ASSERT_NE(cycles, nullptr);
  EXPECT_TRUE(cycles->available);
  EXPECT_EQ(cycles->domain, InstanceDomain::Cpu);
  EXPECT_EQ(cycles->type, ValueType::Counter);
  EXPECT_EQ(cycles->detail, "cycles: perf hardware 0x0, group 0 of 1");
  const Descriptor* switches = client_->descriptor(MetricId::pmc_all_context_switches);
  ASSERT_NE(switches, nullptr);
  EXPECT_FALSE(switches->available);
  CounterTotals t;
  loop_->tick(kSec);
  EXPECT_EQ(client_->read_counter(MetricId::pmc_all_context_switches, t), ReadStatus::kUnavailable);
}

TEST_F(CountersEndToEnd, TheRingCarriesEveryChangedCounterWithItsTimes) {
  fake_->set(0, 0, 100, kSec, kSec);
  loop_->tick(kSec);
  auto first = ring_counters();
  EXPECT_EQ(first.size(), 6u) << "2 events x (2 CPUs + the sum)";
  const std::pair<MetricId, std::string> cpu0_cycles{MetricId::pmc_cycles, "cpu0"};
  EXPECT_EQ(first[cpu0_cycles].count, 100u);
  EXPECT_EQ(first[cpu0_cycles].time_enabled_ns, kSec);

  fake_->set(0, 0, 250, 2 * kSec, 2 * kSec);  // only CPU 0's cycles move
  loop_->tick(2 * kSec);
  const auto second = ring_counters();
  ASSERT_EQ(second.size(), 2u) << "cpu0 cycles and the cycles sum";
  EXPECT_EQ(second.at({MetricId::pmc_all_cycles, ""}).count, 250u);
  EXPECT_EQ(second.at({MetricId::pmc_all_cycles, ""}).time_enabled_ns, 2 * kSec);
  EXPECT_EQ(second.at(cpu0_cycles).count, 250u);
}

TEST_F(CountersEndToEnd, AResyncSnapshotFromTheValueTableIncludesCounters) {
  fake_->set(1, 1, 77, kSec, kSec);
  loop_->tick(kSec);
  follower_->resync();
  Batch b;
  ASSERT_EQ(follower_->poll(b), PollResult::kBatch);
  ASSERT_TRUE(b.from_value_table);
  bool found = false;
  for (const CounterDelta& c : b.counters) {
    const InstanceEvent* cpu = follower_->instance(InstanceDomain::Cpu, c.row);
    if (c.id == MetricId::pmc_instructions && cpu != nullptr && cpu->name == "cpu1") {
      found = true;
      EXPECT_EQ(c.totals.count, 77u);
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(CountersEndToEnd, CounterSampleGivesRatesScaledForMultiplexingAndIpc) {
  fake_->set(0, 0, 1'000, kSec, kSec);  // cycles
  fake_->set(0, 1, 2'000, kSec, kSec);  // instructions
  loop_->tick(kSec);
  const CounterSample before = CounterSample::take(*client_, "cpu0");
  ASSERT_TRUE(before.consistent());
  ASSERT_EQ(before.entries().size(), 2u);
  // Two seconds later: cycles counted all the time, instructions only half of it (multiplexed).
  fake_->set(0, 0, 4'001'000, 3 * kSec, 3 * kSec);
  fake_->set(0, 1, 4'002'000, 3 * kSec, 2 * kSec);
  loop_->tick(3 * kSec);
  const CounterSample after = CounterSample::take(*client_, "cpu0");
  const CounterRates r = compare(before, after);
  const CounterChange* cycles = r.find("cycles");
  const CounterChange* instructions = r.find("instructions");
  ASSERT_NE(cycles, nullptr);
  ASSERT_NE(instructions, nullptr);
  ASSERT_TRUE(cycles->valid);
  EXPECT_EQ(cycles->count, 4'000'000u);
  EXPECT_DOUBLE_EQ(cycles->seconds, 2.0);
  EXPECT_DOUBLE_EQ(cycles->per_second, 2'000'000.0);
  EXPECT_DOUBLE_EQ(cycles->running_share, 1.0);
  EXPECT_DOUBLE_EQ(instructions->running_share, 0.5);
  EXPECT_DOUBLE_EQ(instructions->scaled, 8'000'000.0);
  ASSERT_TRUE(r.ipc.has_value());
  EXPECT_DOUBLE_EQ(*r.ipc, 2.0);
  EXPECT_FALSE(r.branch_miss_rate.has_value()) << "no branch events in this run";
}

TEST_F(CountersEndToEnd, CounterSampleReportsNoRateRatherThanAMadeUpOne) {
  fake_->set(1, 0, 500, kSec, kSec);
  loop_->tick(kSec);
  const CounterSample before = CounterSample::take(*client_, "cpu1");
  // Same broker read: no interval to measure.
  const CounterRates same = compare(before, CounterSample::take(*client_, "cpu1"));
  ASSERT_NE(same.find("cycles"), nullptr);
  EXPECT_FALSE(same.find("cycles")->valid);
  // Enabled but never running in the interval (starved by multiplexing): no estimate.
  fake_->set(1, 0, 500, 2 * kSec, kSec);
  loop_->tick(2 * kSec);
  const CounterRates starved = compare(before, CounterSample::take(*client_, "cpu1"));
  EXPECT_FALSE(starved.find("cycles")->valid);
  EXPECT_DOUBLE_EQ(starved.find("cycles")->running_share, 0.0);
  // An offline CPU: its instance is gone, and a sample of it has no valid rate.
  fake_->set_online(1, false);
  cpus_.online[1] = false;
  loop_->tick(3 * kSec);
  const CounterRates offline = compare(before, CounterSample::take(*client_, "cpu1"));
  const CounterChange* gone = offline.find("cycles");
  EXPECT_TRUE(gone == nullptr || !gone->valid);
}

}  // namespace
}  // namespace sysring
