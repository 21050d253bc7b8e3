// /proc/net/softnet_stat and the kernel CPU lists that number its lines
// (broker/sources/linux/softnet_parser.cpp). The input's first line is the online-CPU list
// (/sys/devices/system/cpu/online), the rest the softnet_stat text.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "sources/linux/softnet_parser.hpp"

namespace linux_instances = sysring::broker::linux_instances;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view online_text = input.substr(0, newline);
  const std::string_view text =
      newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);
  std::vector<std::uint32_t> online;
  if (!linux_instances::cpu_list_members(online_text, online) && !online.empty()) {
    __builtin_trap();  // a refused list leaves `out` empty
  }
  linux_instances::SoftnetLineReader reader(text, online);
  linux_instances::SoftnetLine line;
  while (reader.next(line)) {
  }
  return 0;
}
