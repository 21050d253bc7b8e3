// Darwin instance sources: one per domain, each the owner of its domain's instances.
//   cpu         host_processor_info(PROCESSOR_CPU_LOAD_INFO): "cpu0".., label cpu="0"
//   netif       sysctl NET_RT_IFLIST2 (if_data64 counters): name and label device = interface
//   filesystem  getfsstat(MNT_NOWAIT): name = mount point, labels device, fstype, mountpoint
// All three read the kernel through one InstanceSeam (make_system_instance_seam() on macOS, a
// fake in tests/darwin). Per-disk I/O (IOKit) is not read here.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "instance_seam.hpp"
#include "instances/instance_source.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker {

// What the netif and filesystem sources leave out. The defaults are node_exporter's on darwin
// (collector/filesystem_macos.go; netdev excludes nothing), which differ from its Linux ones.
struct DarwinInstanceFilters {
  std::string netif_exclude;
  std::string fs_types_exclude = "^devfs$";
  std::string mount_points_exclude = "^/(dev)($|/)";
};

// One source per domain that has darwin rows in `entries` (rows of other platforms or domains
// are ignored). Rows whose source the domain's source does not decode are unavailable with a
// reason; so is every row of a domain whose first kernel read failed.
std::vector<std::unique_ptr<InstanceSource>> make_darwin_instance_sources(
    std::span<const registry::RegistryEntry> entries, std::unique_ptr<darwin::InstanceSeam> seam,
    const DarwinInstanceFilters& filters = {});

}  // namespace sysring::broker
