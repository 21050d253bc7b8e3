#include "top_model.hpp"

#include <algorithm>

namespace sysring::cli {
namespace {

template <typename Sample>
const Sample* find_named(const std::vector<Sample>& samples, const std::string& name) {
  const auto it =
      std::find_if(samples.begin(), samples.end(), [&](const Sample& s) { return s.name == name; });
  return it != samples.end() ? &*it : nullptr;
}

// Both samples hold the same broker read of the instance: nothing new to compute.
bool same_read(const CpuSample& a, const CpuSample& b) {
  return a.ticks_ok && b.ticks_ok && a.read_time_ns != 0 && a.read_time_ns == b.read_time_ns;
}
template <typename Sample>
bool same_read(const Sample& a, const Sample& b) {
  return a.ok && b.ok && a.read_time_ns != 0 && a.read_time_ns == b.read_time_ns;
}
bool same_counter_read(const CpuSample& a, const CpuSample& b) {
  if (a.counters.size() != b.counters.size()) return false;
  for (std::size_t i = 0; i < a.counters.size(); ++i) {
    const CounterSample::Entry& x = a.counters[i];
    const CounterSample::Entry& y = b.counters[i];
    if (x.event != y.event || x.status != ReadStatus::kOk || y.status != ReadStatus::kOk ||
        x.totals.read_time_ns != y.totals.read_time_ns) {
      return false;
    }
  }
  return true;
}

// The growth of a cumulative counter, or nullopt when it went backwards (a reset).
std::optional<double> growth(std::uint64_t before, std::uint64_t after) {
  if (after < before) return std::nullopt;
  return static_cast<double>(after - before);
}

void cpu_usage(const CpuSample* before, const CpuSample& after, CpuUsage& out) {
  out.name = after.name;
  out.valid = false;
  if (before == nullptr || !before->ticks_ok || !after.ticks_ok) return;
  const CpuTicks& a = before->ticks;
  const CpuTicks& b = after.ticks;
  const auto user = growth(a.user, b.user), nice = growth(a.nice, b.nice),
             system = growth(a.system, b.system), idle = growth(a.idle, b.idle),
             iowait = growth(a.iowait, b.iowait), irq = growth(a.irq, b.irq),
             softirq = growth(a.softirq, b.softirq), steal = growth(a.steal, b.steal);
  if (!user || !nice || !system || !idle || !iowait || !irq || !softirq || !steal) return;
  const double total = *user + *nice + *system + *idle + *iowait + *irq + *softirq + *steal;
  if (total <= 0) return;  // the broker did not read the CPU again in between
  out.valid = true;
  out.user = *user / total;
  out.nice = *nice / total;
  out.system = *system / total;
  out.irq = *irq / total;
  out.softirq = *softirq / total;
  out.steal = *steal / total;
  out.iowait = *iowait / total;
}

const CounterChange* find_change(const std::vector<CounterChange>& changes, const char* event) {
  const auto it = std::find_if(changes.begin(), changes.end(),
                               [&](const CounterChange& c) { return c.event == event; });
  return it != changes.end() ? &*it : nullptr;
}

void counter_rates(const CpuSample* before, const CpuSample& after, CpuCounterRates& out) {
  out.name = after.name;
  out.ipc.reset();
  out.changes.clear();
  if (before == nullptr) return;
  for (const CounterSample::Entry& now : after.counters) {
    const auto then =
        std::find_if(before->counters.begin(), before->counters.end(),
                     [&](const CounterSample::Entry& e) { return e.event == now.event; });
    if (then == before->counters.end()) continue;
    CounterChange change = compare(*then, now);
    if (change.valid) out.changes.push_back(std::move(change));
  }
  const CounterChange* instructions = find_change(out.changes, "instructions");
  const CounterChange* cycles = find_change(out.changes, "cycles");
  if (instructions != nullptr && cycles != nullptr && cycles->scaled > 0) {
    out.ipc = instructions->scaled / cycles->scaled;
  }
}

void disk_rates(const DiskSample* before, const DiskSample& after, DiskRates& out) {
  out = DiskRates{};
  out.name = after.name;
  if (before == nullptr || !before->ok || !after.ok || after.read_time_ns <= before->read_time_ns) {
    return;
  }
  const auto read_bytes = growth(before->read_bytes, after.read_bytes);
  const auto write_bytes = growth(before->write_bytes, after.write_bytes);
  const auto reads = growth(before->reads, after.reads);
  const auto writes = growth(before->writes, after.writes);
  if (!read_bytes || !write_bytes || !reads || !writes) return;
  const double seconds = static_cast<double>(after.read_time_ns - before->read_time_ns) / 1e9;
  out.valid = true;
  out.read_bytes_per_s = *read_bytes / seconds;
  out.write_bytes_per_s = *write_bytes / seconds;
  out.reads_per_s = *reads / seconds;
  out.writes_per_s = *writes / seconds;
  if (before->io_time_ms && after.io_time_ms) {
    if (const auto busy_ms = growth(*before->io_time_ms, *after.io_time_ms)) {
      out.utilisation = std::min(1.0, *busy_ms / (seconds * 1000.0));
    }
  }
}

void net_rates(const NetSample* before, const NetSample& after, NetRates& out) {
  out = NetRates{};
  out.name = after.name;
  if (before == nullptr || !before->ok || !after.ok || after.read_time_ns <= before->read_time_ns) {
    return;
  }
  const auto rx_bytes = growth(before->rx_bytes, after.rx_bytes);
  const auto tx_bytes = growth(before->tx_bytes, after.tx_bytes);
  const auto rx_packets = growth(before->rx_packets, after.rx_packets);
  const auto tx_packets = growth(before->tx_packets, after.tx_packets);
  if (!rx_bytes || !tx_bytes || !rx_packets || !tx_packets) return;
  const double seconds = static_cast<double>(after.read_time_ns - before->read_time_ns) / 1e9;
  out.valid = true;
  out.rx_bytes_per_s = *rx_bytes / seconds;
  out.tx_bytes_per_s = *tx_bytes / seconds;
  out.rx_packets_per_s = *rx_packets / seconds;
  out.tx_packets_per_s = *tx_packets / seconds;
}

}  // namespace

void build_model(const TopSample& before, const TopSample& after, TopModel& model) {
  TopModel previous = std::move(model);
  model = TopModel{};
  model.cpus.resize(after.cpus.size());
  for (std::size_t i = 0; i < after.cpus.size(); ++i) {
    const CpuSample& now = after.cpus[i];
    const CpuSample* then = find_named(before.cpus, now.name);
    const CpuUsage* shown = find_named(previous.cpus, now.name);
    if (then != nullptr && shown != nullptr && same_read(*then, now)) {
      model.cpus[i] = *shown;
    } else {
      cpu_usage(then, now, model.cpus[i]);
    }
    if (now.counters.empty()) continue;
    const CpuCounterRates* shown_counters = find_named(previous.counters, now.name);
    if (then != nullptr && shown_counters != nullptr && same_counter_read(*then, now)) {
      model.counters.push_back(*shown_counters);
    } else {
      model.counters.emplace_back();
      counter_rates(then, now, model.counters.back());
    }
  }
  model.memory = after.memory;
  model.load = after.load;
  model.pressure = after.pressure;
  model.disks.resize(after.disks.size());
  for (std::size_t i = 0; i < after.disks.size(); ++i) {
    const DiskSample* then = find_named(before.disks, after.disks[i].name);
    const DiskRates* shown = find_named(previous.disks, after.disks[i].name);
    if (then != nullptr && shown != nullptr && same_read(*then, after.disks[i])) {
      model.disks[i] = *shown;
    } else {
      disk_rates(then, after.disks[i], model.disks[i]);
    }
  }
  model.nets.resize(after.nets.size());
  for (std::size_t i = 0; i < after.nets.size(); ++i) {
    const NetSample* then = find_named(before.nets, after.nets[i].name);
    const NetRates* shown = find_named(previous.nets, after.nets[i].name);
    if (then != nullptr && shown != nullptr && same_read(*then, after.nets[i])) {
      model.nets[i] = *shown;
    } else {
      net_rates(then, after.nets[i], model.nets[i]);
    }
  }
}

void build_first_model(const TopSample& first, TopModel& model) {
  model = TopModel{};
  build_model(first, first, model);  // one look: every delta zero, so no rate
}

}  // namespace sysring::cli
