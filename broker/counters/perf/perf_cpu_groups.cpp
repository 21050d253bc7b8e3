#include "counters/perf/perf_cpu_groups.hpp"

#include <sys/ioctl.h>

#include <utility>

namespace sysring::broker::counters::perf {

int open_perf_event(PerfSyscalls& sys, const PerfEventSpec& spec, int cpu, int group_fd) {
  const perf_event_attr attr = make_perf_attr(spec, group_fd < 0);
  // pid -1 with a cpu: every task on that CPU (system-wide), which is what the broker publishes.
  return sys.open(attr, -1, cpu, group_fd, PERF_FLAG_FD_CLOEXEC);
}

PerfCpuGroups::~PerfCpuGroups() {
  close();
}

PerfCpuGroups::PerfCpuGroups(PerfCpuGroups&& other) noexcept
    : sys_(other.sys_), plan_(std::move(other.plan_)), fds_(std::exchange(other.fds_, {})) {}

PerfCpuGroups& PerfCpuGroups::operator=(PerfCpuGroups&& other) noexcept {
  if (this != &other) {
    close();
    sys_ = other.sys_;
    plan_ = std::move(other.plan_);
    fds_ = std::exchange(other.fds_, {});
  }
  return *this;
}

int PerfCpuGroups::open(PerfSyscalls& sys, std::span<const PerfEventSpec> events,
                        std::span<const GroupPlan> plan, int cpu, std::size_t& failed_event) {
  close();
  sys_ = &sys;
  plan_.assign(plan.begin(), plan.end());
  fds_.assign(events.size(), -1);
  for (const GroupPlan& group : plan_) {
    int leader = -1;
    for (std::size_t i = group.first; i < group.first + group.count; ++i) {
      const int fd = open_perf_event(sys, events[i], cpu, leader);
      if (fd < 0) {
        failed_event = i;
        close();
        return fd;
      }
      fds_[i] = fd;
      if (i == group.first) leader = fd;
    }
  }
  return 0;
}

int PerfCpuGroups::enable() {
  for (const GroupPlan& group : plan_) {
    const int rc = sys_->ioctl(fds_[group.first], PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
    if (rc < 0) return rc;
  }
  return 0;
}

GroupReadResult PerfCpuGroups::read(std::span<std::byte> buffer, std::span<CounterValue> out) {
  for (const GroupPlan& group : plan_) {
    const std::size_t want = group_read_size(group.count);
    if (buffer.size() < want || out.size() < group.first + group.count) {
      return {0, GroupReadStatus::kOutputTooSmall};
    }
    const ssize_t n = sys_->read(fds_[group.first], buffer.data(), want);
    if (n < 0) return {static_cast<int>(n), GroupReadStatus::kOk};
    const GroupReadStatus status = parse_group_read(buffer.first(static_cast<std::size_t>(n)),
                                                    group.count, out.subspan(group.first));
    if (status != GroupReadStatus::kOk) return {0, status};
  }
  return {};
}

void PerfCpuGroups::close() {
  // Members before leaders, so that no member is ever left in a group without its leader.
  for (auto it = fds_.rbegin(); it != fds_.rend(); ++it) {
    if (*it >= 0) sys_->close(*it);
  }
  fds_.clear();
}

}  // namespace sysring::broker::counters::perf
