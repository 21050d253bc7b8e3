#include "counters/counter_sources.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sysring::broker::counters {
namespace {

enum class Scope : std::uint8_t { kAll, kPerCpu };

// "pmc:all:cycles" -> {kAll, "cycles"}; "pmc:cpu:cycles" -> {kPerCpu, "cycles"}.
struct RowSource {
  Scope scope;
  std::string_view slot;
};

std::optional<RowSource> parse_row_source(std::string_view source) {
  constexpr std::string_view kPrefix = "pmc:";
  if (!source.starts_with(kPrefix)) return std::nullopt;
  source.remove_prefix(kPrefix.size());
  const std::size_t colon = source.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view scope = source.substr(0, colon);
  const std::string_view slot = source.substr(colon + 1);
  if (slot.empty()) return std::nullopt;
  if (scope == "all") return RowSource{Scope::kAll, slot};
  if (scope == "cpu") return RowSource{Scope::kPerCpu, slot};
  return std::nullopt;
}

// A CPU's totals as published: the backend's raw values plus whatever earlier, re-opened
// counters had reached, so a re-open never makes a total go back.
struct MonotonicCounter {
  CounterValue base;      // sum of the totals of counters that were replaced
  CounterValue last_raw;  // the backend's value at the last read
  bool seen = false;

  void update(const CounterValue& raw) {
    // A new kernel counter starts again from zero (its enabled time too, on Linux; KPC's clock
    // keeps running): fold the old one into the base.
    if (seen && (raw.time_enabled_ns < last_raw.time_enabled_ns || raw.count < last_raw.count)) {
      base.count += last_raw.count;
      base.time_enabled_ns += last_raw.time_enabled_ns;
      base.time_running_ns += last_raw.time_running_ns;
    }
    last_raw = raw;
    seen = true;
  }
  [[nodiscard]] CounterValue total() const {
    return {base.count + last_raw.count, base.time_enabled_ns + last_raw.time_enabled_ns,
            base.time_running_ns + last_raw.time_running_ns};
  }
};

Reading to_reading(const CounterValue& v) {
  Reading r{layout::SlotStatus::kOk, v.count};
  r.time_enabled_ns = v.time_enabled_ns;
  r.time_running_ns = v.time_running_ns;
  return r;
}

// What both views share: the backend, its last readings and the monotonic totals, and which row
// reads which event.
class CounterState {
 public:
  CounterState(std::span<const registry::RegistryEntry> entries, CounterSetup setup)
      : backend_(std::move(setup.backend)) {
    std::uint16_t max_id = 0;
    for (const auto& e : entries) max_id = std::max(max_id, e.id);
    // Counter rows are a few dozen ids high up in the registry: an index per id, and one
    // Availability (two strings) per counter row only.
    slot_of_.resize(std::size_t{max_id} + 1, kNoSlot);
    availability_.reserve(entries.size());
    if (backend_) {
      readings_.resize(backend_->cpu_count());
      totals_.resize(std::size_t{backend_->cpu_count()} * backend_->events().size());
      for (std::uint32_t cpu = 0; cpu < backend_->cpu_count(); ++cpu) {
        cpu_names_.push_back("cpu" + std::to_string(cpu));
      }
    }
    for (const auto& e : entries) bind(e, setup.unavailable_reason);
  }

  [[nodiscard]] const Availability& availability(std::uint16_t id) const {
    static const Availability kUnknown{false, "not a counter row"};
    return id < slot_of_.size() && slot_of_[id] != kNoSlot ? availability_[slot_of_[id]].first
                                                           : kUnknown;
  }
  [[nodiscard]] std::span<const std::uint16_t> rows(Scope scope) const {
    return scope == Scope::kAll ? all_rows_ : cpu_rows_;
  }
  [[nodiscard]] std::size_t event_of(std::uint16_t id) const {
    return availability_[slot_of_[id]].second;
  }
  [[nodiscard]] bool has_backend() const { return backend_ != nullptr; }
  [[nodiscard]] std::span<const CpuCounters> readings() const { return readings_; }
  [[nodiscard]] const std::string& cpu_name(std::uint32_t cpu) const { return cpu_names_[cpu]; }

  void begin_tick() { read_this_tick_ = false; }
  void read_once_this_tick() {
    if (read_this_tick_ || !backend_) return;
    read_this_tick_ = true;
    backend_->read(readings_);
    const std::size_t n_events = backend_->events().size();
    for (std::uint32_t cpu = 0; cpu < readings_.size(); ++cpu) {
      if (!readings_[cpu].online) continue;
      for (std::size_t ev = 0; ev < n_events; ++ev) {
        totals_[cpu * n_events + ev].update(readings_[cpu].values[ev]);
      }
    }
  }
  [[nodiscard]] CounterValue total(std::uint32_t cpu, std::size_t event) const {
    return totals_[cpu * backend_->events().size() + event].total();
  }

 private:
  void bind(const registry::RegistryEntry& e, const std::string& no_backend_reason) {
    if (slot_of_[e.id] == kNoSlot) {
      slot_of_[e.id] = static_cast<std::uint16_t>(availability_.size());
      availability_.emplace_back();
    }
    Availability& a = availability_[slot_of_[e.id]].first;
    const auto row = parse_row_source(e.source);
    if (!row) {
      a = {false, "bad counter source \"" + std::string(e.source) + "\""};
      return;
    }
    if (!backend_) {
      a = {false, no_backend_reason};
      return;
    }
    const auto events = backend_->events();
    std::size_t event = events.size();
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (events[i].slot == row->slot) event = i;
    }
    if (event == events.size()) {
      a = {false, "not counted this run (" + backend_->summary() + ")"};
      return;
    }
    a = {true, "", events[event].event_name + ": " + events[event].binding};
    availability_[slot_of_[e.id]].second = event;
    (row->scope == Scope::kAll ? all_rows_ : cpu_rows_).push_back(e.id);
  }

  std::unique_ptr<CounterBackend> backend_;
  static constexpr std::uint16_t kNoSlot = 0xFFFF;
  std::vector<std::uint16_t> slot_of_;  // registry id -> index into availability_, or kNoSlot
  std::vector<std::pair<Availability, std::size_t>> availability_;  // and the row's event
  std::vector<std::uint16_t> all_rows_, cpu_rows_;                  // available rows of each view
  std::vector<CpuCounters> readings_;
  std::vector<MonotonicCounter> totals_;  // [cpu * events + event]
  std::vector<std::string> cpu_names_;
  bool read_this_tick_ = false;
};

class CounterSums final : public MetricSources {
 public:
  explicit CounterSums(std::shared_ptr<CounterState> state) : state_(std::move(state)) {}

  [[nodiscard]] const Availability& availability(std::uint16_t id) const override {
    return state_->availability(id);
  }
  void begin_tick() override { state_->begin_tick(); }

  Reading read(std::uint16_t id) override {
    if (!state_->availability(id).available) return Reading{layout::SlotStatus::kUnavailable};
    state_->read_once_this_tick();
    // The sum keeps offline CPUs at their last totals, so it only grows.
    CounterValue sum;
    bool any_online = false;
    const std::size_t event = state_->event_of(id);
    const auto readings = state_->readings();
    for (std::uint32_t cpu = 0; cpu < readings.size(); ++cpu) {
      any_online |= readings[cpu].online;
      const CounterValue v = state_->total(cpu, event);
      sum.count += v.count;
      sum.time_enabled_ns += v.time_enabled_ns;
      sum.time_running_ns += v.time_running_ns;
    }
    if (!any_online) return Reading{layout::SlotStatus::kUnavailable};
    return to_reading(sum);
  }

 private:
  std::shared_ptr<CounterState> state_;
};

class PerCpuCounters final : public InstanceSource {
 public:
  explicit PerCpuCounters(std::shared_ptr<CounterState> state) : state_(std::move(state)) {
    for (const std::uint16_t id : state_->rows(Scope::kPerCpu)) families_.push_back(id);
  }
  void add_family(std::uint16_t id) { all_families_.push_back(id); }

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Cpu; }
  [[nodiscard]] bool owns_domain() const override { return false; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return all_families_; }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return state_->availability(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return 0; }

  void refresh(InstanceSink& sink) override {
    if (!state_->has_backend() || families_.empty()) return;
    state_->read_once_this_tick();
    const auto readings = state_->readings();
    for (std::uint32_t cpu = 0; cpu < readings.size(); ++cpu) {
      const std::uint32_t row = sink.find(state_->cpu_name(cpu));
      if (row == kNoRow) continue;  // offline, or not published
      for (const std::uint16_t id : families_) {
        sink.value(id, row,
                   readings[cpu].online ? to_reading(state_->total(cpu, state_->event_of(id)))
                                        : Reading{layout::SlotStatus::kUnavailable});
      }
    }
  }

 private:
  std::shared_ptr<CounterState> state_;
  std::vector<std::uint16_t> families_;      // available ones
  std::vector<std::uint16_t> all_families_;  // every pmc:cpu row, for availability
};

}  // namespace

CounterViews make_counter_sources(std::span<const registry::RegistryEntry> entries,
                                  CounterSetup setup) {
  auto state = std::make_shared<CounterState>(entries, std::move(setup));
  auto per_cpu = std::make_unique<PerCpuCounters>(state);
  for (const auto& e : entries) {
    const auto row = parse_row_source(e.source);
    if (e.domain == InstanceDomain::Cpu && row && row->scope == Scope::kPerCpu) {
      per_cpu->add_family(e.id);
    }
  }
  return {std::make_unique<CounterSums>(state), std::move(per_cpu)};
}

}  // namespace sysring::broker::counters
