// The lines of /proc/diskstats (broker/sources/linux/diskstats_parser.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/linux/diskstats_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sysring::broker::linux_instances::DiskLineReader reader(text);
  sysring::broker::linux_instances::DiskLine line;
  while (reader.next(line)) {
    if (line.field_count > line.fields.size() || line.name.empty()) __builtin_trap();
  }
  return 0;
}
