// cgroup v2 files and the registry's cgroup sources, parsed in place: no I/O, no allocation.
//
//   source                               file of the group   value
//   cgroup:cpu.stat:<key>                cpu.stat            "<key> V" (procfs kKeyValue)
//   cgroup:memory.current                memory.current      the whole file (procfs kWhole)
//   cgroup:io.stat:<field>               io.stat             <field> summed over the devices
//   cgroup:<res>.pressure:<some|full>:<key>  <res>.pressure  "<line> ... <key>=V" (procfs
//                                                               kPressure), res cpu|memory|io
//
// io.stat has one line per device, "MAJ:MIN name=value ...":
//   "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0\n8:16 rbytes=10 ..."
//     -> rbytes 11, ...
// Tokens other than the six fields (iocost's "cost.usage=", ...) are ignored; a line that does
// not start with MAJ:MIN, and a value that is not a u64, are skipped; an empty file sums to 0
// (a group without I/O has no device lines).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sysring::broker::linux_instances {

enum class CgroupFile : std::uint8_t {
  kCpuStat,
  kMemoryCurrent,
  kIoStat,
  kCpuPressure,
  kMemoryPressure,
  kIoPressure,
};
inline constexpr std::size_t kCgroupFileCount = 6;

// "cpu.stat", "memory.current", ...: the file's name in a group's directory.
std::string_view cgroup_file_name(CgroupFile file);

enum class IoStatField : std::uint8_t { kRbytes, kWbytes, kRios, kWios, kDbytes, kDios };
inline constexpr std::size_t kIoStatFieldCount = 6;

// "rbytes" -> kRbytes; nullopt for any other name.
std::optional<IoStatField> io_stat_field(std::string_view name);

struct IoStatTotals {
  std::array<std::uint64_t, kIoStatFieldCount> sums{};  // by IoStatField; wraps like the kernel's
  [[nodiscard]] std::uint64_t of(IoStatField f) const { return sums[static_cast<std::size_t>(f)]; }
};

IoStatTotals sum_io_stat(std::string_view text);

// One registry source of the cgroup domain, split. Views point into the source text.
struct CgroupSource {
  CgroupFile file = CgroupFile::kCpuStat;
  std::string_view line;  // pressure: "some" or "full"
  std::string_view key;   // cpu.stat and pressure: the key ("usage_usec", "total")
  IoStatField io_field = IoStatField::kRbytes;
};

struct CgroupSourceParse {
  std::optional<CgroupSource> source;
  std::string_view error;  // why not, when !source
};

CgroupSourceParse parse_cgroup_source(std::string_view text);

}  // namespace sysring::broker::linux_instances
