#include "sources/linux/cgroup_parsers.hpp"

#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {
namespace {

constexpr std::array<std::string_view, kCgroupFileCount> kFileNames = {
    "cpu.stat", "memory.current", "io.stat", "cpu.pressure", "memory.pressure", "io.pressure"};
constexpr std::array<std::string_view, kIoStatFieldCount> kIoStatFields = {
    "rbytes", "wbytes", "rios", "wios", "dbytes", "dios"};

// "8:0" -> true: a device number, the start of every io.stat line.
bool is_device_number(std::string_view token) {
  const std::size_t colon = token.find(':');
  if (colon == std::string_view::npos) return false;
  std::uint64_t part = 0;
  return procfs::parse_u64(token.substr(0, colon), part) == procfs::DecodeStatus::kOk &&
         procfs::parse_u64(token.substr(colon + 1), part) == procfs::DecodeStatus::kOk;
}

// Splits "a:b:c" at its first ':'; `rest` keeps what follows (empty when there is no ':').
std::string_view next_part(std::string_view& rest) {
  const std::size_t colon = rest.find(':');
  const std::string_view part = rest.substr(0, colon);
  rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon + 1);
  return part;
}

CgroupSourceParse fail(std::string_view why) {
  return {std::nullopt, why};
}

}  // namespace

std::string_view cgroup_file_name(CgroupFile file) {
  return kFileNames[static_cast<std::size_t>(file)];
}

std::optional<IoStatField> io_stat_field(std::string_view name) {
  for (std::size_t i = 0; i < kIoStatFields.size(); ++i) {
    if (kIoStatFields[i] == name) return static_cast<IoStatField>(i);
  }
  return std::nullopt;
}

IoStatTotals sum_io_stat(std::string_view text) {
  IoStatTotals totals;
  while (!text.empty()) {
    std::string_view line = procfs::next_line(text);
    if (!is_device_number(procfs::next_token(line))) continue;
    for (std::string_view token = procfs::next_token(line); !token.empty();
         token = procfs::next_token(line)) {
      const std::size_t eq = token.find('=');
      if (eq == std::string_view::npos) continue;
      const std::optional<IoStatField> field = io_stat_field(token.substr(0, eq));
      std::uint64_t value = 0;
      if (!field || procfs::parse_u64(token.substr(eq + 1), value) != procfs::DecodeStatus::kOk) {
        continue;
      }
      totals.sums[static_cast<std::size_t>(*field)] += value;
    }
  }
  return totals;
}

CgroupSourceParse parse_cgroup_source(std::string_view text) {
  constexpr std::string_view kPrefix = "cgroup:";
  if (!text.starts_with(kPrefix)) return fail("expected cgroup:<file>[:<key>]");
  std::string_view rest = text.substr(kPrefix.size());
  const std::string_view name = next_part(rest);
  CgroupSource out;
  std::size_t file = 0;
  while (file < kFileNames.size() && kFileNames[file] != name) ++file;
  if (file == kFileNames.size()) {
    return fail("expected a file of cpu.stat, memory.current, io.stat, {cpu,memory,io}.pressure");
  }
  out.file = static_cast<CgroupFile>(file);
  switch (out.file) {
    case CgroupFile::kCpuStat:
      out.key = rest;
      if (out.key.empty() || out.key.find(':') != std::string_view::npos) {
        return fail("expected cgroup:cpu.stat:<key>");
      }
      break;
    case CgroupFile::kMemoryCurrent:
      if (!rest.empty()) return fail("memory.current has no key");
      break;
    case CgroupFile::kIoStat: {
      const std::optional<IoStatField> field = io_stat_field(rest);
      if (!field) return fail("expected cgroup:io.stat:rbytes|wbytes|rios|wios|dbytes|dios");
      out.io_field = *field;
      break;
    }
    case CgroupFile::kCpuPressure:
    case CgroupFile::kMemoryPressure:
    case CgroupFile::kIoPressure:
      out.line = next_part(rest);
      out.key = rest;
      if ((out.line != "some" && out.line != "full") || out.key.empty() ||
          out.key.find(':') != std::string_view::npos) {
        return fail("expected cgroup:<resource>.pressure:some|full:<key>");
      }
      break;
  }
  return {out, {}};
}

}  // namespace sysring::broker::linux_instances
