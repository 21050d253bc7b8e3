// The interface lines of /proc/net/dev (broker/sources/linux/netdev_parser.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/linux/netdev_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sysring::broker::linux_instances::NetdevLineReader reader(text);
  sysring::broker::linux_instances::NetdevLine line;
  while (reader.next(line)) {
    if (line.field_count > line.fields.size() || line.name.empty()) __builtin_trap();
  }
  return 0;
}
