#include "sources/linux/mount_list.hpp"

#include <unordered_map>

#include "sources/linux/mountinfo_parser.hpp"

namespace sysring::broker::linux_instances {
namespace {

std::string decoded(std::string_view raw) {
  std::string out(raw.size(), '\0');
  out.resize(decode_mount_escapes(raw, out).size());
  return out;
}

}  // namespace

std::vector<Mount> visible_mounts(std::string_view mountinfo, const MountFilter& filter) {
  std::vector<Mount> top;  // one per path: the latest mount seen on it
  std::unordered_map<std::string, std::size_t> index_of;
  MountinfoReader reader(mountinfo);
  MountRecord record;
  while (reader.next(record)) {
    Mount mount{decoded(record.mount_point), decoded(record.source), std::string(record.fstype),
                mount_is_readonly(record)};
    const auto [it, inserted] = index_of.try_emplace(mount.mount_point, top.size());
    if (inserted) {
      top.push_back(std::move(mount));
    } else {
      top[it->second] = std::move(mount);
    }
  }
  std::vector<Mount> kept;
  kept.reserve(top.size());
  for (Mount& mount : top) {
    if (!filter.excluded(mount)) kept.push_back(std::move(mount));
  }
  return kept;
}

}  // namespace sysring::broker::linux_instances
