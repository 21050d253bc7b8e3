#include "sysring/counter_sample.hpp"

namespace sysring {
namespace {

// Enough to step over one broker tick that lands between the reads; a scope whose rows have
// different TTLs (a config override) can never agree, and then the last attempt stands.
constexpr int kConsistencyAttempts = 4;

std::optional<double> ratio(const CounterRates& r, std::string_view numerator,
                            std::string_view denominator) {
  const CounterChange* n = r.find(numerator);
  const CounterChange* d = r.find(denominator);
  if (n == nullptr || d == nullptr || !n->valid || !d->valid || d->scaled <= 0) {
    return std::nullopt;
  }
  return n->scaled / d->scaled;
}

}  // namespace

CounterSample CounterSample::take(const Client& client, std::string_view scope) {
  CounterSample sample;
  sample.scope_ = std::string(scope);
  const std::string prefix = "pmc." + sample.scope_ + ".";
  for (const Descriptor& d : client.descriptors()) {
    if (d.type != ValueType::Counter || !d.available || !d.name.starts_with(prefix)) continue;
    sample.entries_.push_back({d.name.substr(prefix.size()), d.id, ReadStatus::kEmpty, {}});
  }
  for (int attempt = 0; attempt < kConsistencyAttempts; ++attempt) {
    std::uint64_t first_time = 0;
    sample.consistent_ = true;
    for (Entry& e : sample.entries_) {
      e.status = client.read_counter(e.id, e.totals);
      if (e.status != ReadStatus::kOk) continue;
      if (first_time == 0) first_time = e.totals.read_time_ns;
      sample.consistent_ &= e.totals.read_time_ns == first_time;
    }
    if (sample.consistent_) break;
  }
  return sample;
}

const CounterSample::Entry* CounterSample::find(std::string_view event) const noexcept {
  for (const Entry& e : entries_) {
    if (e.event == event) return &e;
  }
  return nullptr;
}

CounterChange compare(const CounterSample::Entry& before, const CounterSample::Entry& after) {
  CounterChange c;
  c.event = after.event;
  const CounterTotals& a = before.totals;
  const CounterTotals& b = after.totals;
  if (before.status != ReadStatus::kOk || after.status != ReadStatus::kOk ||
      b.read_time_ns <= a.read_time_ns || b.count < a.count ||
      b.time_enabled_ns < a.time_enabled_ns || b.time_running_ns < a.time_running_ns) {
    return c;  // not valid: no made-up zero rate
  }
  c.valid = true;
  c.count = b.count - a.count;
  c.seconds = static_cast<double>(b.read_time_ns - a.read_time_ns) / 1e9;
  const std::uint64_t enabled = b.time_enabled_ns - a.time_enabled_ns;
  const std::uint64_t running = b.time_running_ns - a.time_running_ns;
  c.running_share =
      enabled == 0 ? 1.0 : static_cast<double>(running) / static_cast<double>(enabled);
  // Like perf: scale by enabled/running; a counter that never ran in the interval has no estimate.
  if (running == 0 && enabled > 0) {
    c.valid = false;
    c.running_share = 0;
    return c;
  }
  c.scaled = running == 0 || running >= enabled
                 ? static_cast<double>(c.count)
                 : static_cast<double>(c.count) * static_cast<double>(enabled) /
                       static_cast<double>(running);
  c.per_second = c.scaled / c.seconds;
  return c;
}

CounterRates compare(const CounterSample& before, const CounterSample& after) {
  CounterRates r;
  for (const CounterSample::Entry& e : after.entries()) {
    if (const CounterSample::Entry* b = before.find(e.event)) r.changes.push_back(compare(*b, e));
  }
  r.ipc = ratio(r, "instructions", "cycles");
  r.branch_miss_rate = ratio(r, "branch_misses", "branches");
  r.cache_miss_rate = ratio(r, "cache_misses", "cache_references");
  return r;
}

const CounterChange* CounterRates::find(std::string_view event) const noexcept {
  for (const CounterChange& c : changes) {
    if (c.event == event) return &c;
  }
  return nullptr;
}

}  // namespace sysring
