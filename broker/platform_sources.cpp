#include "platform_sources.hpp"

#include "counters/counter_sources.hpp"
#include "counters/platform_counters.hpp"
#include "sources/composite_sources.hpp"
#include "sysring/registry_data.hpp"
#ifdef __APPLE__
#include "sources/darwin/darwin_instances.hpp"
#include "sources/darwin/darwin_sources.hpp"
#else
#include "sources/linux/linux_instances.hpp"
#endif

namespace sysring::broker {
namespace {

std::vector<registry::RegistryEntry> scalars_of(std::span<const registry::RegistryEntry> rows) {
  std::vector<registry::RegistryEntry> out;
  for (const auto& e : rows) {
    if (e.domain == InstanceDomain::None) out.push_back(e);
  }
  return out;
}

}  // namespace

const Availability& PlatformSources::availability(const registry::RegistryEntry& entry) const {
  static const Availability kNoSource{false, "no source reads this family here"};
  if (entry.domain == InstanceDomain::None) return scalars->availability(entry.id);
  const InstanceSource* source = instances.source_of(entry.id);
  return source != nullptr ? source->availability(entry.id) : kNoSource;
}

std::vector<registry::RegistryEntry> entries_of(std::string_view platform) {
  std::vector<registry::RegistryEntry> entries;
  for (const auto& e : registry::kEntries) {
    if (e.platform == platform) entries.push_back(e);
  }
  return entries;
}

std::vector<registry::RegistryEntry> published_entries() {
  std::vector<registry::RegistryEntry> entries = entries_of(kPlatform);
  const std::vector<registry::RegistryEntry> counters = entries_of("counters");
  entries.insert(entries.end(), counters.begin(), counters.end());
  entries.shrink_to_fit();  // kept for the broker's life
  return entries;
}

PlatformSources make_platform_sources(const BrokerOptions& o) {
  PlatformSources out;
  const auto kernel = entries_of(kPlatform);
  const auto kernel_scalars = scalars_of(kernel);
  const auto counter_rows = entries_of("counters");
  counters::CounterSetup setup =
      counters::make_platform_counters({o.counters, o.pmc_events, o.proc_root, o.sys_root});
  out.counters_summary = setup.backend ? setup.backend->summary() : setup.unavailable_reason;
  out.counters_available = setup.backend != nullptr;
  auto scalars = std::make_unique<CompositeSources>();
#ifdef __APPLE__
  scalars->add(make_darwin_sources(kernel_scalars, darwin::make_system_sysctl_seam()),
               kernel_scalars);
  // node_exporter's darwin exclusions, not the Linux defaults of InstanceConfig.
  for (auto& source : make_darwin_instance_sources(kernel, darwin::make_system_instance_seam())) {
    out.instances.add(std::move(source));
  }
#else
  scalars->add(make_linux_sources(kernel_scalars, o.proc_root, o.sys_root), kernel_scalars);
  for (auto& source : make_linux_instance_sources(kernel, o.instance_config)) {
    out.instances.add(std::move(source));
  }
#endif
  counters::CounterViews counters = counters::make_counter_sources(counter_rows, std::move(setup));
  scalars->add(std::move(counters.totals), scalars_of(counter_rows));
  out.instances.add(std::move(counters.per_cpu));
  out.scalars = std::move(scalars);
  return out;
}

}  // namespace sysring::broker
