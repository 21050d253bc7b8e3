// A scripted kernel for the perf backend: groups, counts that grow on every read, and failures
// on demand (privilege, no PMU, full groups, groups that never run, CPUs that go away).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "counters/perf/perf_syscalls.hpp"

namespace sysring::test {

class FakePerfSyscalls final : public broker::counters::perf::PerfSyscalls {
 public:
  struct Event {
    perf_event_attr attr{};
    int cpu = -1;
    int leader = -1;  // own fd for a leader
    bool open = true;
    bool enabled = false;
    std::uint64_t count = 0;
    std::uint64_t enabled_ns = 0;  // a leader's group times
    std::uint64_t running_ns = 0;
  };

  // --- what to fail (positive errno values) ---
  int every_open_error = 0;                    // e.g. EACCES
  int hardware_open_error = 0;                 // any non-software type; e.g. ENOENT: no PMU
  std::size_t max_group_size = 64;             // members beyond it: EINVAL
  std::size_t max_running_group_size = 64;     // larger groups open but never run
  std::set<std::uint64_t> refused_hw_configs;  // PERF_TYPE_HARDWARE configs refused (ENOENT)
  std::set<int> offline_cpus;                  // opens there: ENODEV
  std::map<int, int> read_errors;              // cpu -> errno of its reads
  std::set<int> frozen_cpus;                   // enabled time stands still (events detached)

  // --- what happened ---
  std::size_t opens = 0;
  std::size_t reads = 0;
  [[nodiscard]] std::size_t open_fds() const;
  [[nodiscard]] std::size_t open_fds_on(int cpu) const;
  [[nodiscard]] const Event& event(int fd) const { return events_.at(index(fd)); }

  int open(const perf_event_attr& attr, pid_t pid, int cpu, int group_fd,
           unsigned long flags) override;
  ssize_t read(int fd, void* buffer, std::size_t length) override;
  int ioctl(int fd, unsigned long request, unsigned long argument) override;
  void close(int fd) override;

 private:
  static constexpr int kFirstFd = 100;
  [[nodiscard]] static std::size_t index(int fd) { return static_cast<std::size_t>(fd - kFirstFd); }
  [[nodiscard]] std::vector<std::size_t> members(int leader) const;

  std::vector<Event> events_;
};

}  // namespace sysring::test
