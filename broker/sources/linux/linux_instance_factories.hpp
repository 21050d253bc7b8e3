// The Linux instance sources, one factory per domain. Each takes the registry rows of its domain
// (rows whose `source` it does not understand are unavailable with a reason) and the config.
#pragma once

#include <memory>
#include <span>

#include "instances/instance_config.hpp"
#include "instances/instance_source.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker::linux_instances {

using Rows = std::span<const registry::RegistryEntry>;

std::unique_ptr<InstanceSource> make_cpu_instances(Rows rows, const InstanceConfig& config);
std::unique_ptr<InstanceSource> make_softnet_instances(Rows rows, const InstanceConfig& config);
std::unique_ptr<InstanceSource> make_disk_instances(Rows rows, const InstanceConfig& config);
std::unique_ptr<InstanceSource> make_netif_instances(Rows rows, const InstanceConfig& config);
std::unique_ptr<InstanceSource> make_filesystem_instances(Rows rows, const InstanceConfig& config);
std::unique_ptr<InstanceSource> make_numa_instances(Rows rows, const InstanceConfig& config);
std::unique_ptr<InstanceSource> make_cgroup_instances(Rows rows, const InstanceConfig& config);

}  // namespace sysring::broker::linux_instances
