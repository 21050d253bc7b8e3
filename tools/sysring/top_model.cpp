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

void build_model(const TopSample& before, const TopSample& after, TopModel& out) {
  out.cpus.resize(after.cpus.size());
  out.counters.clear();
  for (std::size_t i = 0; i < after.cpus.size(); ++i) {
    const CpuSample& now = after.cpus[i];
    const CpuSample* then = find_named(before.cpus, now.name);
    cpu_usage(then, now, out.cpus[i]);
    if (!now.counters.empty()) {
      out.counters.emplace_back();
      counter_rates(then, now, out.counters.back());
    }
  }
  out.memory = after.memory;
  out.load = after.load;
  out.pressure = after.pressure;
  out.disks.resize(after.disks.size());
  for (std::size_t i = 0; i < after.disks.size(); ++i) {
    disk_rates(find_named(before.disks, after.disks[i].name), after.disks[i], out.disks[i]);
  }
  out.nets.resize(after.nets.size());
  for (std::size_t i = 0; i < after.nets.size(); ++i) {
    net_rates(find_named(before.nets, after.nets[i].name), after.nets[i], out.nets[i]);
  }
}

}  // namespace sysring::cli
