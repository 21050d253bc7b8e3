// The cgroup domain: the cgroup v2 groups under a root, down to a depth, each an instance named
// by its path under the root ("system.slice", "user.slice/user-1000.slice") with the label
// cgroup="/<path>". The root itself is not an instance. Sources: see cgroup_parsers.hpp.
//
// Root: InstanceConfig::cgroup_root when set (used as given: a real path, not under sys_root);
// otherwise the mount point of the first cgroup2 filesystem in <proc>/1/mountinfo (fallback
// <proc>/self/mountinfo), also a real path ("/sys/fs/cgroup", or "/sys/fs/cgroup/unified" on a
// hybrid hierarchy).
//
// Discovery: every refresh lists the root and each group above the deepest level again, from
// directory fds kept open (getdents, no allocation unless a group appeared). A group's files are
// opened when it appears and closed when it goes: one pread each per refresh. A file a group
// lacks (its parent did not enable the controller) is unavailable for that group; such opens
// are retried every few refreshes, as a controller may be enabled later.
//
// Availability (decided once): memory.current needs the memory controller, io.stat the io
// controller, in the root's cgroup.controllers; a pressure family needs the root's pressure
// file (PSI built in and enabled); cpu.stat is always there.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "instances/instance_config.hpp"
#include "instances/instance_source.hpp"
#include "sources/linux/cgroup_parsers.hpp"
#include "sources/linux/directory_fd.hpp"
#include "sources/linux/family_table.hpp"
#include "sources/linux/linux_instance_factories.hpp"
#include "sources/procfs_file.hpp"

namespace sysring::broker::linux_instances {

class CgroupInstances final : public InstanceSource {
 public:
  CgroupInstances(Rows rows, const InstanceConfig& config);

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Cgroup; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return families_.ids(); }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return families_.of(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return instances_at_start_; }
  void refresh(InstanceSink& sink) override;

  // The root the groups are found under; empty when none was found.
  [[nodiscard]] const std::string& root() const { return root_; }

 private:
  // An available family and what it reads.
  struct Binding {
    std::uint16_t id = 0;
    CgroupFile file = CgroupFile::kCpuStat;
    std::string line;  // pressure: "some" / "full"
    std::string key;   // cpu.stat, pressure
    IoStatField io_field = IoStatField::kRbytes;
    schema::ValueType type = schema::ValueType::U64;
    bool wanted = false;  // due in this refresh (InstanceSink::wants)
  };

  struct Group {
    std::string path;   // under the root: "user.slice/user-1000.slice"; empty for the root
    std::string label;  // "/" + path
    DirectoryFd dir;    // open where the group's children are listed (above the deepest level)
    std::array<ProcfsFile, kCgroupFileCount> files;
    std::map<std::string, std::unique_ptr<Group>, std::less<>> children;
    std::uint32_t refreshes_to_reopen = 0;
    bool seen = false;
  };

  // Finds the root and decides each family's availability; returns the reason when there is
  // no usable root (every family is unavailable for it).
  std::string bind(Rows rows, const InstanceConfig& config);
  void check_controllers();
  // Lists `parent`'s children (at `depth`, 1 under the root) and theirs below, down to the
  // configured depth. False when `parent` cannot be listed (it has no children then).
  bool discover(Group& parent, std::uint32_t depth);
  std::unique_ptr<Group> make_group(const Group& parent, std::string_view leaf,
                                    std::uint32_t depth);
  void open_missing_files(Group& group);
  void report(InstanceSink& sink, Group& parent);
  void read_group(Group& group);
  void read_file(Group& group, CgroupFile file);
  static std::uint32_t count(const Group& parent);

  std::string root_;
  std::uint32_t depth_ = 1;
  FamilyTable families_;
  std::vector<Binding> bindings_;
  std::array<bool, kCgroupFileCount> file_needed_{};
  Group root_group_;
  std::vector<char> scratch_;      // directory listings
  std::string path_buffer_;        // paths of files asked for again, PATH_MAX reserved
  std::vector<Reading> readings_;  // per binding, for the group being reported
  std::array<bool, kCgroupFileCount> file_wanted_{};  // some binding of the file is wanted
  std::uint32_t instances_at_start_ = 0;
};

}  // namespace sysring::broker::linux_instances
