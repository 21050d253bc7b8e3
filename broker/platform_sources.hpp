// The platform's sources, assembled once: kernel scalars (Linux /proc and /sys, or darwin
// sysctl), the counter backend's sums and per-CPU families, and the instance sources.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "broker_options.hpp"
#include "instances/instance_source_set.hpp"
#include "sources/metric_sources.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker {

#ifdef __APPLE__
inline constexpr std::string_view kPlatform = "darwin";  // registry rows and descriptor platform
#else
inline constexpr std::string_view kPlatform = "linux";
#endif

struct PlatformSources {
  std::unique_ptr<MetricSources> scalars;  // every scalar row
  InstanceSourceSet instances;             // every row with an instance domain
  std::string counters_summary;            // the counter backend in one line, or why none
  bool counters_available = false;

  // Availability of any row, scalar or family.
  [[nodiscard]] const Availability& availability(const registry::RegistryEntry& entry) const;
};

// The rows of one registry file: the platform's own (kPlatform) or the shared "counters".
std::vector<registry::RegistryEntry> entries_of(std::string_view platform);
// This platform's kernel rows, then the counter rows: what the broker publishes.
std::vector<registry::RegistryEntry> published_entries();

PlatformSources make_platform_sources(const BrokerOptions& options);

}  // namespace sysring::broker
