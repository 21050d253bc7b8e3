#include "diskstats_parser.hpp"

#include "sources/procfs_parsers.hpp"
#include "u64_fields.hpp"

namespace sysring::broker::linux_instances {

bool DiskLineReader::next(DiskLine& out) {
  using procfs::DecodeStatus;
  while (!rest_.empty()) {
    std::string_view line = procfs::next_line(rest_);
    if (procfs::parse_u64(procfs::next_token(line), out.major) != DecodeStatus::kOk ||
        procfs::parse_u64(procfs::next_token(line), out.minor) != DecodeStatus::kOk)
      continue;
    out.name = procfs::next_token(line);
    if (out.name.empty()) continue;
    out.field_count = parse_u64_fields(line, out.fields);
    if (out.field_count == 0) continue;
    return true;
  }
  return false;
}

}  // namespace sysring::broker::linux_instances
