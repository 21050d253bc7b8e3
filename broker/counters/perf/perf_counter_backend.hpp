// The Linux CounterBackend: the same perf_event groups opened on every online CPU, read with
// one read() per group, and CPUs that go away and come back (hotplug) re-opened.
//
// Built by make_perf_counters (perf_counters.hpp), which chooses the events and the groups.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "counters/counter_backend.hpp"
#include "counters/perf/perf_cpu_groups.hpp"
#include "counters/perf/perf_event_spec.hpp"
#include "counters/perf/perf_syscalls.hpp"
#include "sources/procfs_file.hpp"

namespace sysring::broker::counters::perf {

struct PerfBackendConfig {
  std::shared_ptr<PerfSyscalls> syscalls;
  std::vector<PerfEventSpec> events;
  std::vector<BoundEvent> bound;  // like events, for events()
  std::vector<GroupPlan> groups;  // over events
  std::string summary;
  std::uint32_t cpu_count = 0;  // highest possible CPU + 1; CPU n is out[n]
  std::string sys_root;         // where devices/system/cpu/online is re-read
  std::chrono::steady_clock::duration hotplug_check_interval = std::chrono::seconds(1);
};

class PerfCounterBackend final : public CounterBackend {
 public:
  explicit PerfCounterBackend(PerfBackendConfig config);

  // Opens and enables the groups on each of `online`. A CPU that fails stays offline with a
  // note (and is retried at the next hotplug check). Returns 0, or EACCES/EPERM when any open
  // was refused for privilege: then there are no counters at all.
  [[nodiscard]] int start(std::span<const std::uint32_t> online);

  [[nodiscard]] const std::string& summary() const override { return config_.summary; }
  // Set-up adds what it learnt after start() (CPUs that failed to open).
  void append_summary(const std::string& text) { config_.summary += text; }
  [[nodiscard]] std::span<const BoundEvent> events() const override { return config_.bound; }
  [[nodiscard]] std::uint32_t cpu_count() const override { return config_.cpu_count; }
  void read(std::span<CpuCounters> out) override;

  // Why `cpu` is not counting ("offline", "perf_event_open \"cycles\": ..."), or "" when it is.
  [[nodiscard]] const std::string& cpu_note(std::uint32_t cpu) const { return cpus_[cpu].note; }
  [[nodiscard]] bool cpu_counting(std::uint32_t cpu) const { return cpus_[cpu].groups.is_open(); }

 private:
  struct CpuState {
    PerfCpuGroups groups;
    // Totals published so far. A re-opened CPU's counters start at 0 again; adding `base` (the
    // totals when it went away) keeps every published total monotonic. Time offline is lost.
    std::array<CounterValue, kMaxEventsPerCpu> base{};
    std::array<CounterValue, kMaxEventsPerCpu> last{};
    std::uint64_t enabled_at_check = 0;
    bool read_since_check = false;
    std::string note;
  };

  // 0, or the -errno of a refused open (the note says which event).
  int open_cpu(std::uint32_t cpu);
  void close_cpu(std::uint32_t cpu, std::string note);
  void check_hotplug();

  PerfBackendConfig config_;
  std::vector<CpuState> cpus_;
  std::vector<std::byte> buffer_;  // one group read; sized once for the largest group
  std::array<CounterValue, kMaxEventsPerCpu> raw_{};
  std::chrono::steady_clock::time_point last_check_;
  // devices/system/cpu/online, kept open: the check runs every second, and an ifstream open,
  // read and close of it cost more than the whole group reads of a small machine.
  ProcfsFile online_file_;
};

}  // namespace sysring::broker::counters::perf
