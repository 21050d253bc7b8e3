// The churn writer: a real TickLoop over a segment of kDiskRows disk rows, driven by a scripted
// owner of the disk domain that adds and removes instances every tick. Names come back (the old
// instance id must be kept) and new names keep appearing. The fake clock advances one tick period
// per tick while the ticks themselves come as often as WriterOptions::tick_every says.
#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <thread>
#include <vector>

#include "core_support.hpp"
#include "instance_churn.hpp"
#include "instances/instance_source.hpp"
#include "tick_loop.hpp"

namespace sysring::churn {
namespace {

using broker::Availability;
using broker::Reading;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kFirstNames = 12;
constexpr std::uint64_t kNewNameEvery = 16;  // ticks
// Not 1: the registration numbers are masked in the values, and must still match.
constexpr std::uint64_t kFirstRegistration = 0x5A5A'0000'0000ULL;
constexpr auto kMaxWaitForReaders = std::chrono::seconds(200);

const Availability& yes() {
  static const Availability kYes{true, ""};
  return kYes;
}

// No scalars: every scalar row is unavailable.
class NoScalars final : public broker::MetricSources {
 public:
  [[nodiscard]] const Availability& availability(std::uint16_t) const override {
    static const Availability kNo{false, "churn test: scalars not read"};
    return kNo;
  }
  void begin_tick() override {}
  Reading read(std::uint16_t) override { return Reading{layout::SlotStatus::kUnavailable}; }
};

// What the script saw happen to its names (the writer's view of the churn).
struct ScriptCounts {
  std::uint64_t returns = 0, new_names = 0, row_reuses = 0, refused = 0;
  std::uint64_t id_changes = 0, record_mismatches = 0;
};

// Owner of the disk domain. Each refresh first changes who is present (0-2 removals and 0-2
// additions, steered towards 3-5 live instances), then presents every present name and reports,
// for each family, the value that names the row's tenancy (read back from the tick loop's
// instance table right after present() registered it).
class ChurnSource final : public broker::InstanceSource {
 public:
  explicit ChurnSource(std::uint64_t seed) : random_(seed), row_tenant_(kDiskRows, 0) {
    for (std::uint32_t i = 0; i < kFirstNames; ++i) names_.push_back({"d" + std::to_string(i)});
    for (const MetricId id : kFamilies) families_.push_back(static_cast<std::uint16_t>(id));
  }

  void attach(const broker::TickLoop& loop) { loop_ = &loop; }
  void set_tick(std::uint64_t tick) { tick_ = tick; }
  [[nodiscard]] const ScriptCounts& counts() const { return counts_; }

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Disk; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return families_; }
  [[nodiscard]] const Availability& availability(std::uint16_t) const override { return yes(); }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return 0; }

  void refresh(broker::InstanceSink& sink) override {
    churn();
    for (Name& n : names_) {
      if (!n.present) continue;
      const broker::LabelView label{"device", n.name};
      const std::uint32_t row = sink.present(n.name, {&label, 1});
      if (row == broker::kNoRow) {
        n.present = false;  // not published: absent until the script picks it again
        ++counts_.refused;
        continue;
      }
      const broker::InstanceRecord* record = loop_->instances().record(InstanceDomain::Disk, row);
      if (record == nullptr || record->name != n.name || !record->live) {
        ++counts_.record_mismatches;
        continue;
      }
      note_tenancy(n, row, *record);
      for (std::size_t f = 0; f < families_.size(); ++f) {
        sink.value(families_[f], row,
                   Reading{layout::SlotStatus::kOk,
                           encode(f, record->registration, record->instance_id, tick_)});
      }
    }
  }

 private:
  struct Name {
    std::string name;
    bool present = false;
    std::uint64_t registration = 0;  // of its last tenancy; 0: never published
    std::uint32_t instance_id = 0;
  };

  void churn() {
    std::size_t live = 0;
    for (const Name& n : names_) live += n.present ? 1 : 0;
    std::size_t removals = random_() % 3 + (live > 5 ? 1 : 0);
    std::size_t additions = random_() % 3 + (live < 3 ? 1 : 0);
    while (removals-- > 0 && pick(true, false)) {
    }
    while (additions-- > 0 && pick(false, true)) {
    }
    if (tick_ % kNewNameEvery == 0) {
      names_.push_back({"n" + std::to_string(counts_.new_names++)});
    }
  }

  // Sets `present` on a random name whose presence is `from`; false when there is none.
  bool pick(bool from, bool present) {
    candidates_.clear();
    for (std::size_t i = 0; i < names_.size(); ++i) {
      if (names_[i].present == from) candidates_.push_back(i);
    }
    if (candidates_.empty()) return false;
    names_[candidates_[random_() % candidates_.size()]].present = present;
    return true;
  }

  void note_tenancy(Name& n, std::uint32_t row, const broker::InstanceRecord& record) {
    if (n.registration == record.registration) return;  // still the same tenancy
    if (n.registration != 0) {
      ++counts_.returns;
      if (n.instance_id != record.instance_id) ++counts_.id_changes;
    }
    if (row_tenant_[row] != 0 && row_tenant_[row] != record.registration) ++counts_.row_reuses;
    row_tenant_[row] = record.registration;
    n.registration = record.registration;
    n.instance_id = record.instance_id;
  }

  std::mt19937_64 random_;
  std::vector<Name> names_;
  std::vector<std::size_t> candidates_;
  std::vector<std::uint64_t> row_tenant_;
  std::vector<std::uint16_t> families_;
  const broker::TickLoop* loop_ = nullptr;
  std::uint64_t tick_ = 0;
  ScriptCounts counts_;
};

coretest::SegmentSpec churn_segment(const std::string& name) {
  coretest::SegmentSpec spec;
  spec.name = name;
  spec.entries = coretest::linux_entries();
  spec.capacities = coretest::test_capacities(kDiskRows);
  // A small ring: the follower is lapped now and then and must resynchronise.
  spec.ring_slot_count = 32;
  spec.ring_slot_size = 4096;
  spec.tick_period_ns = kTickNs;
  spec.availability = [](std::uint16_t id) -> const Availability& {
    static const Availability kNo{false, "churn test: scalars not read"};
    return coretest::registry_row(id).domain == InstanceDomain::None ? kNo : yes();
  };
  return spec;
}

}  // namespace

WriterResult run_writer(const std::string& name, Control& control, const WriterOptions& wanted,
                        const std::function<void()>& ready) {
  WriterResult result;
  try {
    const coretest::SegmentSpec spec = churn_segment(name);
    auto segment = coretest::make_segment(spec);
    NoScalars scalars;
    ChurnSource source(0xC0FFEE ^ wanted.events);
    const std::vector<broker::InstanceSource*> sources{&source};
    broker::TickOptions options;
    options.quarantine_ns = 1;  // the tick loop still keeps a row for two tick periods
    options.first_registration = kFirstRegistration;
    broker::TickLoop loop(segment->writer(), segment->layout(), scalars, sources, spec.entries,
                          std::span<const broker::Schedule>{}, options);
    source.attach(loop);

    std::uint64_t tick = 0;
    const auto run_tick = [&] {
      source.set_tick(tick);
      const broker::TickStats stats = loop.tick(kClockStart + tick * kTickNs);
      result.added += stats.added;
      result.removed += stats.removed;
      control.ticks.store(++tick, std::memory_order_relaxed);
    };
    run_tick();  // as the broker: the first tick fills the table before clients may attach
    segment->go_live();
    ready();
    const auto t0 = Clock::now();
    auto next = t0;
    while (result.added + result.removed < wanted.events && Clock::now() - t0 < wanted.max_churn) {
      if (wanted.tick_every.count() > 0) {
        next += wanted.tick_every;
        std::this_thread::sleep_until(next);
      }
      run_tick();
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    result.ticks = tick;
    const ScriptCounts& c = source.counts();
    result.returns = c.returns;
    result.new_names = c.new_names;
    result.row_reuses = c.row_reuses;
    result.refused = c.refused;
    result.id_changes = c.id_changes;
    result.record_mismatches = c.record_mismatches;
    control.churn_done.store(1);
    // The segment stays live until every reader has reported.
    const auto give_up = Clock::now() + kMaxWaitForReaders;
    while (control.stop_writer.load() == 0 && Clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    segment->close();
  } catch (const std::exception& e) {
    set_error(result, e.what());
    control.churn_done.store(1);
  }
  return result;
}

}  // namespace sysring::churn
