#include "sources/linux/linux_instances.hpp"

#include "sources/linux/linux_instance_factories.hpp"

namespace sysring::broker {
namespace {

bool is_softnet(const registry::RegistryEntry& e) {
  return e.source.starts_with("softnet:");
}
bool not_softnet(const registry::RegistryEntry& e) {
  return !is_softnet(e);
}
bool any_row(const registry::RegistryEntry& /*e*/) {
  return true;
}

}  // namespace

std::vector<std::unique_ptr<InstanceSource>> make_linux_instance_sources(
    std::span<const registry::RegistryEntry> entries, const InstanceConfig& config) {
  using Factory = std::unique_ptr<InstanceSource> (*)(linux_instances::Rows, const InstanceConfig&);
  struct DomainFactory {
    InstanceDomain domain;
    Factory make;
    bool (*takes)(const registry::RegistryEntry&);  // which rows of the domain it answers
  };
  // The cpu domain's softnet rows come from their own file, attached to the owner's instances.
  static constexpr DomainFactory kFactories[] = {
      {InstanceDomain::Cpu, linux_instances::make_cpu_instances, not_softnet},
      {InstanceDomain::Cpu, linux_instances::make_softnet_instances, is_softnet},
      {InstanceDomain::Disk, linux_instances::make_disk_instances, any_row},
      {InstanceDomain::Netif, linux_instances::make_netif_instances, any_row},
      {InstanceDomain::Filesystem, linux_instances::make_filesystem_instances, any_row},
      {InstanceDomain::Numa, linux_instances::make_numa_instances, any_row},
      {InstanceDomain::Cgroup, linux_instances::make_cgroup_instances, any_row},
  };
  std::vector<std::unique_ptr<InstanceSource>> out;
  for (const DomainFactory& f : kFactories) {
    std::vector<registry::RegistryEntry> rows;
    for (const auto& e : entries) {
      if (e.domain == f.domain && f.takes(e)) rows.push_back(e);
    }
    // The cpu domain always has its owner: the counters attach to its instances.
    if (!rows.empty() || f.make == linux_instances::make_cpu_instances)
      out.push_back(f.make(rows, config));
  }
  return out;
}

}  // namespace sysring::broker
