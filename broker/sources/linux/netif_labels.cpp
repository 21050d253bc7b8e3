#include "netif_labels.hpp"

namespace sysring::broker::linux_instances {

void format_hardware_address(std::span<const std::byte> bytes, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  for (const std::byte b : bytes) {
    if (!out.empty()) out += ':';
    const auto v = static_cast<unsigned>(b);
    out += kHex[v >> 4];
    out += kHex[v & 0xf];
  }
}

std::string_view label_text(std::string_view contents) {
  if (contents.ends_with('\n')) contents.remove_suffix(1);
  return contents;
}

}  // namespace sysring::broker::linux_instances
