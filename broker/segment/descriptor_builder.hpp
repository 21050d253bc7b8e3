// Builds the DescriptorTable FlatBuffer the broker writes once into the segment.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "sources/metric_sources.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker {

// `availability(id)` says whether this machine can read each entry, and why not.
std::vector<std::uint8_t> build_descriptor_table(
    std::span<const registry::RegistryEntry> entries, std::string_view platform,
    std::uint64_t schema_hash,
    const std::function<const Availability&(std::uint16_t)>& availability);

}  // namespace sysring::broker
