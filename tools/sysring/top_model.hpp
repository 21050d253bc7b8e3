// `sysring top`'s data: what one look at the segment gives (TopSample, raw cumulative counters
// and levels) and what two consecutive looks mean (TopModel: shares of CPU time, rates per
// second). Pure: no segment, no clock, so it is tested with made-up samples.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sysring/counter_sample.hpp"

namespace sysring::cli {

// Cumulative USER_HZ ticks of one CPU (guest time is already inside user and nice).
struct CpuTicks {
  std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                steal = 0;
};

struct CpuSample {
  std::string name;  // "cpu0"
  bool ticks_ok = false;
  std::uint64_t read_time_ns = 0;  // when the broker read the ticks
  CpuTicks ticks;
  // Every available per-CPU counter family ("cycles", "context_switches", ...).
  std::vector<CounterSample::Entry> counters;
};

struct DiskSample {
  std::string name;  // "vda"
  bool ok = false;
  std::uint64_t read_time_ns = 0;  // when the broker read the disk's counters
  std::uint64_t read_bytes = 0, write_bytes = 0, reads = 0, writes = 0;
  std::optional<std::uint64_t> io_time_ms;  // time the device was busy
};

struct NetSample {
  std::string name;  // "eth0"
  bool ok = false;
  std::uint64_t read_time_ns = 0;
  std::uint64_t rx_bytes = 0, tx_bytes = 0, rx_packets = 0, tx_packets = 0;
};

struct MemorySample {
  std::optional<std::uint64_t> total, available, swap_total, swap_free;
};

struct LoadSample {
  std::optional<double> avg1, avg5, avg15;
  std::optional<std::uint64_t> runnable, tasks;
};

// PSI avg10 percentages; absent where the kernel has no /proc/pressure.
struct PressureSample {
  std::optional<double> cpu_some, memory_some, memory_full, io_some, io_full;
};

struct TopSample {
  std::uint64_t tick_count = 0;  // the broker tick the values were published in
  std::vector<CpuSample> cpus;   // online CPUs in CPU order
  MemorySample memory;
  LoadSample load;
  PressureSample pressure;
  std::vector<DiskSample> disks;
  std::vector<NetSample> nets;
};

// Shares (0..1) of one CPU's time between two samples.
struct CpuUsage {
  std::string name;
  bool valid = false;  // false: first sample of this CPU, or its ticks did not move
  double user = 0, nice = 0, system = 0, irq = 0, softirq = 0, steal = 0, iowait = 0;
  [[nodiscard]] double busy() const noexcept {
    return user + nice + system + irq + softirq + steal;
  }
};

struct CpuCounterRates {
  std::string name;
  std::optional<double> ipc;           // instructions / cycles
  std::vector<CounterChange> changes;  // valid ones only, in the broker's event order
};

struct DiskRates {
  std::string name;
  bool valid = false;
  double read_bytes_per_s = 0, write_bytes_per_s = 0, reads_per_s = 0, writes_per_s = 0;
  std::optional<double> utilisation;  // 0..1: share of the interval the device was busy
};

struct NetRates {
  std::string name;
  bool valid = false;
  double rx_bytes_per_s = 0, tx_bytes_per_s = 0, rx_packets_per_s = 0, tx_packets_per_s = 0;
};

struct TopModel {
  std::vector<CpuUsage> cpus;
  MemorySample memory;
  LoadSample load;
  PressureSample pressure;
  std::vector<DiskRates> disks;
  std::vector<NetRates> nets;
  std::vector<CpuCounterRates> counters;  // empty where no per-CPU counter is published
};

// What changed from `before` to `after`, into `model`. Instances are matched by name; one that is
// new in `after` (or whose counters went backwards: a restarted broker, a re-plugged device) has
// no rates yet rather than made-up ones. One the broker did not read again between the samples
// (its read period is longer than the tick) keeps what `model` showed for it before. Levels
// (memory, load, pressure) are `after`'s.
void build_model(const TopSample& before, const TopSample& after, TopModel& model);

// The first look (at start, or at a new broker): levels and every instance, no rates, and
// nothing kept from what `model` showed before (another broker's instances, maybe).
void build_first_model(const TopSample& first, TopModel& model);

}  // namespace sysring::cli
