// The open perf_event groups of one CPU: opening them (leader first, disabled; members
// enabled, so one ioctl starts the group at once), enabling, one read() per group, closing.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "counters/counter_backend.hpp"
#include "counters/perf/perf_event_spec.hpp"
#include "counters/perf/perf_group_read.hpp"
#include "counters/perf/perf_syscalls.hpp"

namespace sysring::broker::counters::perf {

// A group: events[first, first + count) of the backend's event list; events[first] leads.
struct GroupPlan {
  std::size_t first = 0;
  std::size_t count = 0;
};

// Opens one event system-wide on `cpu` (pid -1, close-on-exec). Returns the fd or -errno.
[[nodiscard]] int open_perf_event(PerfSyscalls& sys, const PerfEventSpec& spec, int cpu,
                                  int group_fd);

// Why a group read failed: the negative errno of read(), or the parse status.
struct GroupReadResult {
  int error = 0;  // -errno from read(), 0 when read() returned bytes
  GroupReadStatus status = GroupReadStatus::kOk;
  [[nodiscard]] bool ok() const { return error == 0 && status == GroupReadStatus::kOk; }
};

class PerfCpuGroups {
 public:
  PerfCpuGroups() = default;
  ~PerfCpuGroups();
  PerfCpuGroups(PerfCpuGroups&& other) noexcept;
  PerfCpuGroups& operator=(PerfCpuGroups&& other) noexcept;
  PerfCpuGroups(const PerfCpuGroups&) = delete;
  PerfCpuGroups& operator=(const PerfCpuGroups&) = delete;

  // Opens every group of `plan` on `cpu`. Returns 0, or the -errno of the first open that
  // failed with `failed_event` set to its index; then nothing stays open.
  [[nodiscard]] int open(PerfSyscalls& sys, std::span<const PerfEventSpec> events,
                         std::span<const GroupPlan> plan, int cpu, std::size_t& failed_event);
  // PERF_EVENT_IOC_ENABLE with PERF_IOC_FLAG_GROUP on every leader. Returns 0 or -errno.
  [[nodiscard]] int enable();
  // One read() per group into `buffer` (at least group_read_size(largest group) bytes), parsed
  // into out[event index]. Stops at the first group that fails.
  [[nodiscard]] GroupReadResult read(std::span<std::byte> buffer, std::span<CounterValue> out);
  void close();

  [[nodiscard]] bool is_open() const { return !fds_.empty(); }

 private:
  PerfSyscalls* sys_ = nullptr;
  std::vector<GroupPlan> plan_;
  std::vector<int> fds_;  // by event index; fds_[plan.first] is the group's leader
};

}  // namespace sysring::broker::counters::perf
