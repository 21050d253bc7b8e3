#include "counters/perf/perf_pmu_probe.hpp"

#include <cerrno>
#include <fstream>

#include "counters/perf/perf_cpu_groups.hpp"
#include "sysring/errno_text.hpp"

namespace sysring::broker::counters::perf {

PmuProbe probe_pmu(PerfSyscalls& sys, int cpu) {
  PerfEventSpec cycles;
  cycles.name = "cycles";
  cycles.type = PERF_TYPE_HARDWARE;
  cycles.config = PERF_COUNT_HW_CPU_CYCLES;
  const int fd = open_perf_event(sys, cycles, cpu, -1);
  if (fd >= 0) {
    sys.close(fd);
    return {};
  }
  const int error = -fd;
  if (is_permission_error(error)) return {PmuProbe::Kind::kNoPermission, error};
  if (error == ENOENT || error == EOPNOTSUPP || error == ENODEV) {
    return {PmuProbe::Kind::kNoHardware, error};
  }
  return {PmuProbe::Kind::kUnusable, error};
}

std::string no_permission_message(const std::string& proc_root, int error) {
  std::string paranoid = "?";
  std::ifstream in(proc_root + "/sys/kernel/perf_event_paranoid");
  if (std::string value; in >> value) paranoid = value;
  return "perf_event_open: no CAP_PERFMON or root (perf_event_paranoid=" + paranoid +
         "): " + errno_text(error);
}

}  // namespace sysring::broker::counters::perf
