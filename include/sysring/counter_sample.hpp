// CounterSample: the performance counters of one scope at one moment, and what changed between
// two samples: deltas, rates per second, multiplexing, ratios. A scope is "all" (the `pmc.all.*`
// sums) or a CPU instance such as "cpu3" (its value of each cpu-domain `pmc.*` family).
//
//   auto before = sysring::CounterSample::take(client, "all");
//   sleep(1);
//   auto after = sysring::CounterSample::take(client, "all");
//   sysring::CounterRates r = sysring::compare(before, after);
//   if (r.ipc) printf("IPC %.2f\n", *r.ipc);
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sysring/client.hpp"

namespace sysring {

class CounterSample {
 public:
  struct Entry {
    std::string event;  // name suffix: "cycles", "context_switches", "custom0"
    MetricId id = MetricId::None;
    ReadStatus status = ReadStatus::kEmpty;  // kGone: the scope's CPU is not (or no longer) live
    CounterTotals totals;
  };

  // Reads every available counter of the scope, all from one copy of the value table (one
  // broker publish), so ratios such as IPC compare the same interval. A CPU scope with no live
  // instance of that name has every entry kGone.
  static CounterSample take(const Client& client, std::string_view scope = "all");
  // Several scopes from the same one copy of the value table (`sysring pmc`'s every row).
  static std::vector<CounterSample> take_many(const Client& client,
                                              std::span<const std::string> scopes);
  // The CPU scopes there are now: the live cpu instances ("cpu0", "cpu1", ...), in CPU order.
  // Throws like Client::instances().
  static std::vector<std::string> cpu_scopes(const Client& client);

  [[nodiscard]] const std::string& scope() const noexcept { return scope_; }
  [[nodiscard]] const std::vector<Entry>& entries() const noexcept { return entries_; }
  [[nodiscard]] const Entry* find(std::string_view event) const noexcept;
  // True when every ok entry carries the same broker read time.
  [[nodiscard]] bool consistent() const noexcept { return consistent_; }

 private:
  std::string scope_;
  std::vector<Entry> entries_;
  bool consistent_ = true;
};

// One counter between two samples.
struct CounterChange {
  std::string event;
  bool valid = false;          // both samples ok and the counter moved forward in time
  std::uint64_t count = 0;     // raw counts in the interval
  double scaled = 0;           // count * enabled / running: perf's multiplexing estimate
  double seconds = 0;          // between the two broker reads
  double per_second = 0;       // scaled / seconds
  double running_share = 1.0;  // running / enabled in the interval: 1 = never multiplexed
};

struct CounterRates {
  std::vector<CounterChange> changes;  // one per event present in both samples
  // Ratios of events that exist in this run (nullopt where an event is missing or idle).
  std::optional<double> ipc;               // instructions / cycles
  std::optional<double> branch_miss_rate;  // branch_misses / branches
  std::optional<double> cache_miss_rate;   // cache_misses / cache_references

  [[nodiscard]] const CounterChange* find(std::string_view event) const noexcept;
};

[[nodiscard]] CounterChange compare(const CounterSample::Entry& before,
                                    const CounterSample::Entry& after);
[[nodiscard]] CounterRates compare(const CounterSample& before, const CounterSample& after);

}  // namespace sysring
