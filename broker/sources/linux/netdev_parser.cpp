#include "netdev_parser.hpp"

#include "sources/procfs_parsers.hpp"
#include "u64_fields.hpp"

namespace sysring::broker::linux_instances {

bool NetdevLineReader::next(NetdevLine& out) {
  while (!rest_.empty()) {
    const std::string_view line = procfs::next_line(rest_);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    out.name = procfs::trim(line.substr(0, colon));
    if (out.name.empty() || out.name.find_first_of(" \t") != std::string_view::npos) continue;
    out.field_count = parse_u64_fields(line.substr(colon + 1), out.fields);
    if (out.field_count == 0) continue;
    return true;
  }
  return false;
}

}  // namespace sysring::broker::linux_instances
