// The darwin instance sources, one factory per domain. Each takes the registry rows of its
// domain and the seam it shares with the other two.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "instance_seam.hpp"
#include "instances/instance_source.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker::darwin {

using Rows = std::span<const registry::RegistryEntry>;

// Rows "host_processor_info:{user,system,idle,nice}".
std::unique_ptr<InstanceSource> make_cpu_instances(Rows rows, std::shared_ptr<InstanceSeam> seam);

// Rows "iflist2:FIELD" (iflist_decode.hpp lists the fields).
std::unique_ptr<InstanceSource> make_netif_instances(Rows rows, std::shared_ptr<InstanceSeam> seam,
                                                     const std::string& device_exclude);

// Rows "getfsstat:FIELD" (statfs_decode.hpp lists the fields).
std::unique_ptr<InstanceSource> make_filesystem_instances(Rows rows,
                                                          std::shared_ptr<InstanceSeam> seam,
                                                          const std::string& fs_types_exclude,
                                                          const std::string& mount_points_exclude);

// "host_processor_info: Input/output error": a failed seam call in the reasons' words.
std::string call_failed(std::string_view call, int err);

}  // namespace sysring::broker::darwin
