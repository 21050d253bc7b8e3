// The procfs record reader and value decoder (broker/sources/procfs_parsers.cpp): stat, meminfo,
// vmstat, snmp, snmp6, sockstat, loadavg, pressure and the whole-file sysctl/sysfs formats. The
// first byte picks the format, the rest is the file's text; every record's fields are then decoded
// as each value type, field by field, as the scalar sources decode them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/procfs_parsers.hpp"

namespace procfs = sysring::broker::procfs;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return -1;
  constexpr int kFormats = static_cast<int>(procfs::Format::kSnmp6) + 1;
  const auto format = static_cast<procfs::Format>(data[0] % kFormats);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  procfs::RecordReader reader(format, text);
  procfs::Record record;
  for (std::size_t records = 0; reader.next(record); ++records) {
    if (records > text.size() + 8) __builtin_trap();  // each record consumes text
    for (const auto type : {sysring::schema::ValueType::U64, sysring::schema::ValueType::I64,
                            sysring::schema::ValueType::F64, sysring::schema::ValueType::String}) {
      (void)procfs::decode(format, record.fields, procfs::kWholeField, type);
      for (std::size_t field = 0; field < 3; ++field) {
        (void)procfs::decode(format, record.fields, field, type);
      }
    }
  }
  std::uint64_t count = 0;
  (void)procfs::parse_cpu_list(text, count);
  (void)procfs::parse_size(procfs::trim(text), count);
  return 0;
}
