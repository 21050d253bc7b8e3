#include "sources/linux/linux_instances.hpp"

#include "sources/linux/linux_instance_factories.hpp"

namespace sysring::broker {

std::vector<std::unique_ptr<InstanceSource>> make_linux_instance_sources(
    std::span<const registry::RegistryEntry> entries, const InstanceConfig& config) {
  using Factory = std::unique_ptr<InstanceSource> (*)(linux_instances::Rows, const InstanceConfig&);
  struct DomainFactory {
    InstanceDomain domain;
    Factory make;
  };
  static constexpr DomainFactory kFactories[] = {
      {InstanceDomain::Cpu, linux_instances::make_cpu_instances},
      {InstanceDomain::Disk, linux_instances::make_disk_instances},
      {InstanceDomain::Netif, linux_instances::make_netif_instances},
      {InstanceDomain::Filesystem, linux_instances::make_filesystem_instances},
      {InstanceDomain::Numa, linux_instances::make_numa_instances},
      {InstanceDomain::Cgroup, linux_instances::make_cgroup_instances},
  };
  std::vector<std::unique_ptr<InstanceSource>> out;
  for (const DomainFactory& f : kFactories) {
    std::vector<registry::RegistryEntry> rows;
    for (const auto& e : entries) {
      if (e.domain == f.domain) rows.push_back(e);
    }
    // The cpu domain always has its owner: the counters attach to its instances.
    if (!rows.empty() || f.domain == InstanceDomain::Cpu) out.push_back(f.make(rows, config));
  }
  return out;
}

}  // namespace sysring::broker
