// cgroup v2 files and cgroup source names (broker/sources/linux/cgroup_parsers.cpp): io.stat
// summed over its device lines, and a registry source string split into file and key.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/linux/cgroup_parsers.hpp"

namespace linux_instances = sysring::broker::linux_instances;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)linux_instances::sum_io_stat(text);
  const linux_instances::CgroupSourceParse parsed = linux_instances::parse_cgroup_source(text);
  if (parsed.source) (void)linux_instances::cgroup_file_name(parsed.source->file);
  (void)linux_instances::io_stat_field(text);
  return 0;
}
