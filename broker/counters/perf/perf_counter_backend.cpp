#include "counters/perf/perf_counter_backend.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "counters/perf/cpu_list.hpp"
#include "counters/perf/perf_group_read.hpp"
#include "counters/perf/perf_pmu_probe.hpp"
#include "sysring/errno_text.hpp"

namespace sysring::broker::counters::perf {
namespace {

CounterValue add(const CounterValue& a, const CounterValue& b) {
  return {a.count + b.count, a.time_enabled_ns + b.time_enabled_ns,
          a.time_running_ns + b.time_running_ns};
}

}  // namespace

PerfCounterBackend::PerfCounterBackend(PerfBackendConfig config)
    : config_(std::move(config)),
      cpus_(config_.cpu_count),
      last_check_(std::chrono::steady_clock::now()) {
  std::size_t largest = 0;
  for (const GroupPlan& g : config_.groups) largest = std::max(largest, g.count);
  buffer_.resize(group_read_size(largest));
}

int PerfCounterBackend::start(std::span<const std::uint32_t> online) {
  for (const std::uint32_t cpu : online) {
    if (cpu >= config_.cpu_count) continue;
    if (const int rc = open_cpu(cpu); is_permission_error(-rc)) return -rc;
  }
  return 0;
}

int PerfCounterBackend::open_cpu(std::uint32_t cpu) {
  CpuState& state = cpus_[cpu];
  std::size_t failed = 0;
  const int rc = state.groups.open(*config_.syscalls, config_.events, config_.groups,
                                   static_cast<int>(cpu), failed);
  if (rc < 0) {
    state.note = "perf_event_open \"" + config_.events[failed].name + "\" on cpu " +
                 std::to_string(cpu) + ": " + errno_text(-rc);
    return rc;
  }
  if (const int erc = state.groups.enable(); erc < 0) {
    state.groups.close();
    state.note = "PERF_EVENT_IOC_ENABLE on cpu " + std::to_string(cpu) + ": " + errno_text(-erc);
    return erc;
  }
  state.note.clear();
  state.enabled_at_check = 0;
  state.read_since_check = false;
  return 0;
}

void PerfCounterBackend::close_cpu(std::uint32_t cpu, std::string note) {
  CpuState& state = cpus_[cpu];
  state.groups.close();
  state.base = state.last;
  state.note = std::move(note);
}

void PerfCounterBackend::check_hotplug() {
  if (!online_file_.is_open()) {
    online_file_ = ProcfsFile(config_.sys_root + "/devices/system/cpu/online",
                              ProcfsFile::ReadMode::kWholeInOneRead);
  }
  // On a failed or malformed read keep the current state; try again at the next check.
  if (online_file_.refresh() != 0) return;
  const auto online = parse_cpu_list(online_file_.contents());
  if (!online) return;
  for (std::uint32_t cpu = 0; cpu < config_.cpu_count; ++cpu) {
    CpuState& state = cpus_[cpu];
    const bool is_online = std::binary_search(online->begin(), online->end(), cpu);
    if (state.groups.is_open() && !is_online) {
      close_cpu(cpu, "offline");
    } else if (state.groups.is_open() && state.read_since_check &&
               state.last[0].time_enabled_ns == state.enabled_at_check) {
      // Enabled time stood still: the CPU went offline and came back between two checks, and
      // the kernel detached our events when it left. Open them again.
      close_cpu(cpu, "went offline and came back");
      (void)open_cpu(cpu);
    } else if (!state.groups.is_open() && is_online) {
      (void)open_cpu(cpu);
    }
    state.enabled_at_check = state.last[0].time_enabled_ns;
    state.read_since_check = false;
  }
}

void PerfCounterBackend::read(std::span<CpuCounters> out) {
  if (out.size() != config_.cpu_count) {
    for (CpuCounters& c : out) c = CpuCounters{};  // a caller bug; publish nothing as measured
    return;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - last_check_ >= config_.hotplug_check_interval) {
    last_check_ = now;
    try {
      check_hotplug();
    } catch (const std::exception&) {
      // Out of memory building a path or a CPU list: skip this check, the counts go on.
    }
  }
  const std::size_t n = config_.events.size();
  for (std::uint32_t cpu = 0; cpu < config_.cpu_count; ++cpu) {
    CpuState& state = cpus_[cpu];
    CpuCounters& result = out[cpu];
    result.online = false;
    result.values.fill(CounterValue{});
    if (!state.groups.is_open()) continue;

    const GroupReadResult r = state.groups.read(buffer_, raw_);
    if (!r.ok()) {
      // ENODEV, or the short read of an event the kernel put in an error state: the CPU went
      // away. It is re-opened when the online list says it is back.
      close_cpu(cpu, r.error != 0 ? std::string("read: ") + errno_text(-r.error)
                                  : std::string(describe(r.status)));
      continue;
    }
    for (std::size_t i = 0; i < n; ++i) state.last[i] = add(state.base[i], raw_[i]);
    std::copy_n(state.last.begin(), n, result.values.begin());
    result.online = true;
    state.read_since_check = true;
  }
}

}  // namespace sysring::broker::counters::perf
