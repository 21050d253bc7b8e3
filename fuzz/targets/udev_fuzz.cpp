// A block device's udev database record (broker/sources/linux/udev_parser.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/linux/udev_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const std::string_view label : sysring::broker::linux_instances::parse_udev_record(text)) {
    // Views into the text, or empty.
    if (!label.empty() &&
        (label.data() < text.data() || label.data() + label.size() > text.data() + text.size())) {
      __builtin_trap();
    }
  }
  return 0;
}
