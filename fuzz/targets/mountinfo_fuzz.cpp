// The lines of /proc/<pid>/mountinfo and their octal escapes
// (broker/sources/linux/mountinfo_parser.cpp).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "sources/linux/mountinfo_parser.hpp"

namespace linux_instances = sysring::broker::linux_instances;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  std::array<char, 4096> decoded{};
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    linux_instances::MountRecord mount;
    if (!linux_instances::parse_mount_line(line, mount)) continue;
    (void)linux_instances::mount_is_readonly(mount);
    (void)linux_instances::has_mount_option(mount.super_options, "ro");
    for (const std::string_view escaped : {mount.mount_point, mount.source, mount.root}) {
      const std::string_view out = linux_instances::decode_mount_escapes(escaped, decoded);
      if (out.size() > decoded.size()) __builtin_trap();
    }
  }
  return 0;
}
