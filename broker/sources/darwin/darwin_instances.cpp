#include "darwin_instances.hpp"

#include "darwin_instance_factories.hpp"
#include "sysring/errno_text.hpp"

namespace sysring::broker {
namespace {

std::vector<registry::RegistryEntry> rows_of(std::span<const registry::RegistryEntry> entries,
                                             InstanceDomain domain) {
  std::vector<registry::RegistryEntry> out;
  for (const auto& e : entries) {
    if (e.platform == "darwin" && e.domain == domain) out.push_back(e);
  }
  return out;
}

}  // namespace

std::string darwin::call_failed(std::string_view call, int err) {
  return std::string(call) + ": " + errno_text(err);
}

std::vector<std::unique_ptr<InstanceSource>> make_darwin_instance_sources(
    std::span<const registry::RegistryEntry> entries, std::unique_ptr<darwin::InstanceSeam> seam,
    const DarwinInstanceFilters& filters) {
  const std::shared_ptr<darwin::InstanceSeam> shared(std::move(seam));
  std::vector<std::unique_ptr<InstanceSource>> out;
  if (const auto rows = rows_of(entries, InstanceDomain::Cpu); !rows.empty()) {
    out.push_back(darwin::make_cpu_instances(rows, shared));
  }
  if (const auto rows = rows_of(entries, InstanceDomain::Netif); !rows.empty()) {
    out.push_back(darwin::make_netif_instances(rows, shared, filters.netif_exclude));
  }
  if (const auto rows = rows_of(entries, InstanceDomain::Filesystem); !rows.empty()) {
    out.push_back(darwin::make_filesystem_instances(rows, shared, filters.fs_types_exclude,
                                                    filters.mount_points_exclude));
  }
  return out;
}

}  // namespace sysring::broker
