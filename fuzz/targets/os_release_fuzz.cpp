// /etc/os-release and its shell quoting (broker/sources/os_release_parser.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/os_release_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)sysring::broker::parse_os_release(text);
  (void)sysring::broker::unquote_shell_value(text);
  return 0;
}
