#include "fake_perf_syscalls.hpp"

#include <sys/ioctl.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "counters/perf/perf_event_spec.hpp"

namespace sysring::test {

std::size_t FakePerfSyscalls::open_fds() const {
  return static_cast<std::size_t>(
      std::count_if(events_.begin(), events_.end(), [](const Event& e) { return e.open; }));
}

std::size_t FakePerfSyscalls::open_fds_on(int cpu) const {
  return static_cast<std::size_t>(std::count_if(
      events_.begin(), events_.end(), [&](const Event& e) { return e.open && e.cpu == cpu; }));
}

std::vector<std::size_t> FakePerfSyscalls::members(int leader) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    if (events_[i].open && events_[i].leader == leader) out.push_back(i);
  }
  return out;
}

int FakePerfSyscalls::open(const perf_event_attr& attr, pid_t pid, int cpu, int group_fd,
                           unsigned long flags) {
  ++opens;
  if (every_open_error != 0) return -every_open_error;
  // The backend's contract: system-wide, close-on-exec, group read format, leader disabled.
  if (pid != -1 || cpu < 0 || (flags & PERF_FLAG_FD_CLOEXEC) == 0) return -EINVAL;
  if (attr.read_format != broker::counters::perf::kGroupReadFormat) return -EINVAL;
  if (attr.size != sizeof(perf_event_attr)) return -EINVAL;
  if ((group_fd < 0) != (attr.disabled == 1)) return -EINVAL;
  if (offline_cpus.contains(cpu)) return -ENODEV;
  if (attr.type != PERF_TYPE_SOFTWARE) {
    if (hardware_open_error != 0) return -hardware_open_error;
    if (attr.type == PERF_TYPE_HARDWARE && refused_hw_configs.contains(attr.config)) return -ENOENT;
  }
  Event e;
  e.attr = attr;
  e.cpu = cpu;
  const int fd = kFirstFd + static_cast<int>(events_.size());
  if (group_fd >= 0) {
    if (group_fd < kFirstFd || index(group_fd) >= events_.size()) return -EBADF;
    const Event& leader = events_[index(group_fd)];
    if (!leader.open || leader.leader != group_fd || leader.cpu != cpu) return -EINVAL;
    if (members(group_fd).size() >= max_group_size) return -EINVAL;
    e.leader = group_fd;
  } else {
    e.leader = fd;
  }
  events_.push_back(e);
  return fd;
}

ssize_t FakePerfSyscalls::read(int fd, void* buffer, std::size_t length) {
  // Allocation-free, so tests can prove the backend's read() is.
  ++reads;
  if (fd < kFirstFd || index(fd) >= events_.size()) return -EBADF;
  Event& leader = events_[index(fd)];
  if (!leader.open || leader.leader != fd) return -EINVAL;  // only leaders are read here
  if (const auto it = read_errors.find(leader.cpu); it != read_errors.end()) return -it->second;
  std::array<std::uint64_t, 3 + 64> words{};
  std::size_t nr = 0;
  for (const Event& e : events_) nr += e.open && e.leader == fd ? 1 : 0;
  const std::size_t need = (3 + nr) * sizeof(std::uint64_t);
  if (length < need) return -ENOSPC;

  // Counting happens "between reads": every read sees 1 µs more of it.
  const bool counting = leader.enabled && !frozen_cpus.contains(leader.cpu);
  const bool runs = nr <= max_running_group_size;
  if (counting) leader.enabled_ns += 1000;
  if (counting && runs) leader.running_ns += 1000;
  words[0] = nr;
  words[1] = leader.enabled_ns;
  words[2] = leader.running_ns;
  std::size_t k = 0;
  for (Event& e : events_) {
    if (!e.open || e.leader != fd) continue;
    if (counting && runs) e.count += (k + 1) * static_cast<std::uint64_t>(leader.cpu + 1);
    words[3 + k++] = e.count;
  }
  std::memcpy(buffer, words.data(), need);
  return static_cast<ssize_t>(need);
}

int FakePerfSyscalls::ioctl(int fd, unsigned long request, unsigned long argument) {
  if (fd < kFirstFd || index(fd) >= events_.size()) return -EBADF;
  if (request != PERF_EVENT_IOC_ENABLE || argument != PERF_IOC_FLAG_GROUP) return -EINVAL;
  for (const std::size_t i : members(fd)) events_[i].enabled = true;
  return 0;
}

void FakePerfSyscalls::close(int fd) {
  if (fd >= kFirstFd && index(fd) < events_.size()) events_[index(fd)].open = false;
}

}  // namespace sysring::test
