#include "counters/counter_sources.hpp"

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sysring::broker::counters {
namespace {

constexpr std::uint32_t kAllCpus = UINT32_MAX;

// "pmc:all:cycles" -> {kAllCpus, "cycles"}; "pmc:cpu3:cycles" -> {3, "cycles"}.
struct RowSource {
  std::uint32_t cpu;
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
  if (scope == "all") return RowSource{kAllCpus, slot};
  if (!scope.starts_with("cpu")) return std::nullopt;
  std::uint32_t cpu = 0;
  const char* first = scope.data() + 3;
  const char* last = scope.data() + scope.size();
  const auto [end, ec] = std::from_chars(first, last, cpu);
  if (ec != std::errc() || end != last || first == last) return std::nullopt;
  return RowSource{cpu, slot};
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

struct Route {
  std::uint32_t cpu = kAllCpus;
  std::size_t event = 0;
};

class CounterSources final : public MetricSources {
 public:
  CounterSources(std::span<const registry::RegistryEntry> entries, CounterSetup setup)
      : backend_(std::move(setup.backend)) {
    std::uint16_t max_id = 0;
    for (const auto& e : entries) max_id = std::max(max_id, e.id);
    availability_.resize(std::size_t{max_id} + 1, Availability{false, "not a counter row"});
    routes_.resize(std::size_t{max_id} + 1);
    if (backend_) {
      readings_.resize(backend_->cpu_count());
      totals_.resize(std::size_t{backend_->cpu_count()} * backend_->events().size());
    }
    for (const auto& e : entries) bind(e, setup.unavailable_reason);
  }

  [[nodiscard]] const Availability& availability(std::uint16_t id) const override {
    static const Availability kUnknown{false, "not a counter row"};
    return id < availability_.size() ? availability_[id] : kUnknown;
  }

  void begin_tick() override { read_this_tick_ = false; }

  Reading read(std::uint16_t id) override {
    if (id >= routes_.size() || !availability_[id].available) {
      return Reading{layout::SlotStatus::kUnavailable};
    }
    if (!read_this_tick_) refresh();
    const Route& route = routes_[id];
    if (route.cpu != kAllCpus) {
      if (!readings_[route.cpu].online) return Reading{layout::SlotStatus::kUnavailable};
      return to_reading(total(route.cpu, route.event));
    }
    // The sum keeps offline CPUs at their last totals, so it only grows.
    CounterValue sum;
    bool any_online = false;
    for (std::uint32_t cpu = 0; cpu < readings_.size(); ++cpu) {
      any_online |= readings_[cpu].online;
      const CounterValue v = total(cpu, route.event);
      sum.count += v.count;
      sum.time_enabled_ns += v.time_enabled_ns;
      sum.time_running_ns += v.time_running_ns;
    }
    if (!any_online) return Reading{layout::SlotStatus::kUnavailable};
    return to_reading(sum);
  }

 private:
  void bind(const registry::RegistryEntry& e, const std::string& no_backend_reason) {
    Availability& a = availability_[e.id];
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
    if (row->cpu != kAllCpus && row->cpu >= backend_->cpu_count()) {
      a = {false, "no CPU " + std::to_string(row->cpu) + " here (" +
                      std::to_string(backend_->cpu_count()) + " possible CPUs)"};
      return;
    }
    a = {true, "", events[event].event_name + ": " + events[event].binding};
    routes_[e.id] = {row->cpu, event};
  }

  void refresh() {
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

  static Reading to_reading(const CounterValue& v) {
    Reading r{layout::SlotStatus::kOk, v.count};
    r.time_enabled_ns = v.time_enabled_ns;
    r.time_running_ns = v.time_running_ns;
    return r;
  }

  std::unique_ptr<CounterBackend> backend_;
  std::vector<Availability> availability_;
  std::vector<Route> routes_;
  std::vector<CpuCounters> readings_;
  std::vector<MonotonicCounter> totals_;  // [cpu * events + event]
  bool read_this_tick_ = false;
};

}  // namespace

std::unique_ptr<MetricSources> make_counter_sources(
    std::span<const registry::RegistryEntry> entries, CounterSetup setup) {
  return std::make_unique<CounterSources>(entries, std::move(setup));
}

}  // namespace sysring::broker::counters
