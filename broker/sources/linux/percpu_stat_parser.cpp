#include "percpu_stat_parser.hpp"

#include <limits>

#include "sources/procfs_parsers.hpp"
#include "u64_fields.hpp"

namespace sysring::broker::linux_instances {
namespace {

constexpr std::string_view kCpuPrefix = "cpu";

// "cpu3" -> 3; false for the aggregate "cpu", "cpufoo", "cpu-1", "cpu+1" and overflows.
bool cpu_number(std::string_view name, std::uint32_t& cpu) {
  if (!name.starts_with(kCpuPrefix)) return false;
  std::uint64_t n = 0;
  if (procfs::parse_u64(name.substr(kCpuPrefix.size()), n) != procfs::DecodeStatus::kOk ||
      n > std::numeric_limits<std::uint32_t>::max())
    return false;
  cpu = static_cast<std::uint32_t>(n);
  return true;
}

}  // namespace

bool CpuLineReader::next(CpuLine& out) {
  while (!rest_.empty()) {
    std::string_view line = procfs::next_line(rest_);
    const std::string_view name = procfs::next_token(line);
    std::uint32_t cpu = 0;
    if (!cpu_number(name, cpu)) continue;
    out.name = name;
    out.number = name.substr(kCpuPrefix.size());
    out.cpu = cpu;
    out.field_count = parse_u64_fields(line, out.fields);
    return true;
  }
  return false;
}

}  // namespace sysring::broker::linux_instances
