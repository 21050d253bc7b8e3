#include "counters/perf/perf_group_fitting.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <thread>

#include "counters/perf/perf_group_read.hpp"
#include "counters/perf/perf_pmu_probe.hpp"
#include "sysring/errno_text.hpp"

namespace sysring::broker::counters::perf {
namespace {

// Open fds of one candidate group, closed members first whatever happens.
class OpenGroup {
 public:
  explicit OpenGroup(PerfSyscalls& sys) : sys_(sys) {}
  ~OpenGroup() {
    for (auto it = fds_.rbegin(); it != fds_.rend(); ++it) sys_.close(*it);
  }
  OpenGroup(const OpenGroup&) = delete;
  OpenGroup& operator=(const OpenGroup&) = delete;

  std::vector<int> fds_;

 private:
  PerfSyscalls& sys_;
};

enum class ProbeOutcome { kRuns, kNeverRuns, kReadFailed };

// Enables the group, lets it count for `probe`, and reads it once.
ProbeOutcome probe_group(PerfSyscalls& sys, const OpenGroup& group, std::chrono::milliseconds probe,
                         std::string& why) {
  const int leader = group.fds_.front();
  if (const int rc = sys.ioctl(leader, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP); rc < 0) {
    why = std::string("PERF_EVENT_IOC_ENABLE: ") + errno_text(-rc);
    return ProbeOutcome::kReadFailed;
  }
  std::this_thread::sleep_for(probe);
  std::array<std::byte, group_read_size(kMaxEventsPerCpu)> buffer{};
  std::array<CounterValue, kMaxEventsPerCpu> values{};
  const std::size_t want = group_read_size(group.fds_.size());
  const ssize_t n = sys.read(leader, buffer.data(), want);
  if (n < 0) {
    why = std::string("read: ") + errno_text(static_cast<int>(-n));
    return ProbeOutcome::kReadFailed;
  }
  const GroupReadStatus status =
      parse_group_read(std::span<const std::byte>(buffer).first(static_cast<std::size_t>(n)),
                       group.fds_.size(), values);
  if (status != GroupReadStatus::kOk) {
    why = std::string(describe(status));
    return ProbeOutcome::kReadFailed;
  }
  if (values[0].time_enabled_ns > 0 && values[0].time_running_ns == 0) {
    why = "never scheduled on the PMU (time_running stayed 0)";
    return ProbeOutcome::kNeverRuns;
  }
  return ProbeOutcome::kRuns;
}

}  // namespace

FitResult fit_groups(PerfSyscalls& sys, std::span<const PerfEventSpec> events, int cpu,
                     std::chrono::milliseconds probe) {
  FitResult result;
  std::size_t pos = 0;
  while (pos < events.size()) {
    std::size_t max_size = events.size();
    // Each pass either places events[pos] or reports it, so this terminates.
    while (true) {
      OpenGroup group(sys);
      const int leader = open_perf_event(sys, events[pos], cpu, -1);
      if (leader < 0) {
        if (is_permission_error(-leader)) {
          result.permission_error = -leader;
          return result;
        }
        result.failures.push_back({pos, errno_text(-leader)});
        ++pos;
        break;
      }
      group.fds_.push_back(leader);
      std::vector<std::size_t> members = {pos};
      std::vector<EventFailure> refused;
      bool hardware = events[pos].hardware();
      std::size_t next = pos + 1;
      for (; next < events.size() && members.size() < max_size; ++next) {
        const int fd = open_perf_event(sys, events[next], cpu, leader);
        if (fd < 0 && is_permission_error(-fd)) {
          result.permission_error = -fd;
          return result;
        }
        // EINVAL/ENOSPC: the group is full; this event leads the next one.
        if (fd == -EINVAL || fd == -ENOSPC) break;
        if (fd < 0) {
          // ENOENT, EOPNOTSUPP, ...: the event itself is refused here, not the group.
          refused.push_back({next, errno_text(-fd)});
          continue;
        }
        group.fds_.push_back(fd);
        members.push_back(next);
        hardware = hardware || events[next].hardware();
      }

      if (hardware && probe.count() > 0) {
        std::string why;
        if (probe_group(sys, group, probe, why) != ProbeOutcome::kRuns) {
          if (members.size() > 1) {
            max_size = (members.size() + 1) / 2;  // again, smaller; the rest moves on
            continue;
          }
          result.failures.push_back({pos, why});
          ++pos;
          break;
        }
      }
      result.groups.push_back({result.kept.size(), members.size()});
      result.kept.insert(result.kept.end(), members.begin(), members.end());
      result.failures.insert(result.failures.end(), refused.begin(), refused.end());
      pos = next;
      break;
    }
  }
  std::sort(result.failures.begin(), result.failures.end(),
            [](const EventFailure& a, const EventFailure& b) { return a.event < b.event; });
  return result;
}

}  // namespace sysring::broker::counters::perf
