#include "udev_parser.hpp"

#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {

UdevLabels parse_udev_record(std::string_view text) {
  UdevLabels out{};
  while (!text.empty()) {
    std::string_view line = procfs::next_line(text);
    if (!line.starts_with("E:")) continue;  // properties only
    line.remove_prefix(2);
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, eq);
    for (std::size_t i = 0; i < kUdevProperties.size(); ++i) {
      if (kUdevProperties[i] == key) out[i] = line.substr(eq + 1);
    }
  }
  return out;
}

}  // namespace sysring::broker::linux_instances
