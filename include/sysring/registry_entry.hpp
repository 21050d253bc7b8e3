// One row of the metric registry, as compiled in from schema/registry/*.csv.
#pragma once

#include <cstdint>
#include <string_view>

#include "descriptors_generated.h"

namespace sysring::registry {

struct RegistryEntry {
  std::uint16_t id;
  std::string_view name;
  std::string_view category;
  schema::ValueType type;
  schema::InstanceDomain domain;  // None: a scalar, one value
  std::string_view unit;
  schema::AccessPattern kernel_pattern;
  schema::AccessPattern recommended_pattern;
  std::uint32_t ttl_ms;
  std::string_view platform;  // registry file stem: "linux", "darwin"
  std::string_view source;    // platform-specific locator, e.g. "meminfo:MemTotal"
  std::string_view description;
};

}  // namespace sysring::registry
