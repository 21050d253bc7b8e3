// The per-CPU lines of /proc/stat (broker/sources/linux/percpu_stat_parser.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/linux/percpu_stat_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sysring::broker::linux_instances::CpuLineReader reader(text);
  sysring::broker::linux_instances::CpuLine line;
  while (reader.next(line)) {
    if (line.field_count > line.fields.size()) __builtin_trap();
  }
  return 0;
}
