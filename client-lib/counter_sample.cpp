#include "sysring/counter_sample.hpp"

#include <algorithm>
#include <charconv>
#include <climits>

namespace sysring {
namespace {

// A copy of the whole table fails only while the broker publishes during every attempt; a few
// attempts step over a tick that lands in the middle.
constexpr int kSnapshotAttempts = 4;
constexpr std::string_view kAllScope = "all";
constexpr std::string_view kCounterPrefix = "pmc.";
constexpr std::string_view kAllPrefix = "pmc.all.";

std::optional<double> ratio(const CounterRates& r, std::string_view numerator,
                            std::string_view denominator) {
  const CounterChange* n = r.find(numerator);
  const CounterChange* d = r.find(denominator);
  if (n == nullptr || d == nullptr || !n->valid || !d->valid || d->scaled <= 0) {
    return std::nullopt;
  }
  return n->scaled / d->scaled;
}

// The counters a scope reads: the `pmc.all.*` scalars, or the cpu-domain `pmc.*` families.
std::vector<CounterSample::Entry> entries_for(const Client& client, bool all) {
  std::vector<CounterSample::Entry> entries;
  const InstanceDomain domain = all ? InstanceDomain::None : InstanceDomain::Cpu;
  const std::string_view prefix = all ? kAllPrefix : kCounterPrefix;
  for (const Descriptor& d : client.descriptors()) {
    if (d.type != ValueType::Counter || !d.available || d.domain != domain ||
        !d.name.starts_with(prefix)) {
      continue;
    }
    entries.push_back({d.name.substr(prefix.size()), d.id, ReadStatus::kEmpty, {}});
  }
  return entries;
}

// The CPU's number from its `cpu` label, for ordering; CPUs without one sort last.
unsigned long cpu_number(const Instance& cpu) {
  const std::string* label = cpu.label("cpu");
  if (label == nullptr || label->empty()) return ULONG_MAX;
  unsigned long n = 0;
  const auto [end, ec] = std::from_chars(label->data(), label->data() + label->size(), n);
  return ec == std::errc() && end == label->data() + label->size() ? n : ULONG_MAX;
}

}  // namespace

CounterSample CounterSample::take(const Client& client, std::string_view scope) {
  const std::string scopes[] = {std::string(scope)};
  return std::move(take_many(client, scopes).front());
}

std::vector<CounterSample> CounterSample::take_many(const Client& client,
                                                    std::span<const std::string> scopes) {
  std::vector<CounterSample> samples(scopes.size());
  std::vector<const Instance*> cpus(scopes.size(), nullptr);  // a CPU scope's live instance
  std::shared_ptr<const InstanceDirectory> directory;
  for (std::size_t i = 0; i < scopes.size(); ++i) {
    const bool all = scopes[i] == kAllScope;
    samples[i].scope_ = scopes[i];
    samples[i].entries_ = entries_for(client, all);
    if (all || samples[i].entries_.empty()) continue;
    try {
      if (!directory) directory = client.instances();
      cpus[i] = directory->find(InstanceDomain::Cpu, scopes[i]);
    } catch (const Error&) {
      // No directory to be read (not published yet): no CPU is known live, entries read kGone.
    }
  }
  // The directory was read before the table: a CPU removed since has another registration in
  // the copy, and reads as gone rather than as whatever now holds its row.
  ValueSnapshot table;
  bool copied = false;
  for (int attempt = 0; attempt < kSnapshotAttempts && !copied; ++attempt) {
    copied = client.read_all(table);
  }
  const DomainInfo* cpu_domain = client.domain(InstanceDomain::Cpu);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    CounterSample& sample = samples[i];
    const Instance* cpu = cpus[i];
    const bool all = sample.scope_ == kAllScope;
    const bool live = all || (cpu != nullptr && cpu_domain != nullptr &&
                              table.registration(*cpu_domain, cpu->row) ==
                                  (cpu->registration | layout::kRegistrationLive));
    std::uint64_t first_time = 0;
    for (Entry& e : sample.entries_) {
      const Descriptor* d = client.descriptor(e.id);
      if (!copied) {
        e.status = ReadStatus::kBusy;
      } else if (!live || d == nullptr) {
        e.status = ReadStatus::kGone;
      } else {
        e.status = table.counter(*d, all ? 0 : cpu->row, e.totals);
      }
      if (e.status != ReadStatus::kOk) continue;
      if (first_time == 0) first_time = e.totals.read_time_ns;
      sample.consistent_ &= e.totals.read_time_ns == first_time;
    }
  }
  return samples;
}

std::vector<std::string> CounterSample::cpu_scopes(const Client& client) {
  const auto directory = client.instances();
  std::vector<const Instance*> cpus = directory->live(InstanceDomain::Cpu);
  std::stable_sort(cpus.begin(), cpus.end(), [](const Instance* a, const Instance* b) {
    return cpu_number(*a) < cpu_number(*b);
  });
  std::vector<std::string> scopes;
  scopes.reserve(cpus.size());
  for (const Instance* cpu : cpus) scopes.push_back(cpu->name);
  return scopes;
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
