// One sysfs attribute file's text in every format
// (broker/sources/linux/sysfs_attribute_parser.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/linux/sysfs_attribute_parser.hpp"

namespace linux_instances = sysring::broker::linux_instances;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using F = linux_instances::AttributeFormat;
  for (const F format :
       {F::kDecimal, F::kKilohertz, F::kHex, F::kOperstate, F::kSpeed, F::kDuplex}) {
    (void)linux_instances::parse_attribute(format, text);
  }
  return 0;
}
