// Linux instance sources: one per domain, each the owner of its domain's instances.
//   cpu         per-CPU lines of /proc/stat, cpufreq and topology from sysfs
//   disk        /proc/diskstats (node_exporter's device exclusion)
//   netif       /proc/net/dev plus /sys/class/net/<if>/{operstate,carrier,speed,mtu,...}
//   filesystem  statvfs of each mount in /proc/1/mountinfo (node_exporter's exclusions)
//   numa        /sys/devices/system/node/node<N>/{meminfo,numastat}
//   cgroup      cgroup v2 groups to a depth: cpu.stat, memory.current, io.stat, pressure
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "instances/instance_config.hpp"
#include "instances/instance_source.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker {

// One source per domain that has rows in `entries` (rows of other domains are ignored).
std::vector<std::unique_ptr<InstanceSource>> make_linux_instance_sources(
    std::span<const registry::RegistryEntry> entries, const InstanceConfig& config);

}  // namespace sysring::broker
