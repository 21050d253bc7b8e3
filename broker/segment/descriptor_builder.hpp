// Builds the DescriptorTable FlatBuffer the broker writes once into the segment.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "scheduler/monotonic_chain.hpp"
#include "segment/value_layout.hpp"
#include "sources/metric_sources.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker {

// `layout` places every entry's column (ValueLayout built from the same entries).
// `availability(id)` says whether this machine can read each entry, and why not.
// `schedules` (one per entry, from resolve_schedules) is published as the effective pattern and
// TTL; empty means the registry's own schedule.
std::vector<std::uint8_t> build_descriptor_table(
    std::span<const registry::RegistryEntry> entries, const ValueLayout& layout,
    std::string_view platform, std::uint64_t schema_hash,
    const std::function<const Availability&(std::uint16_t)>& availability,
    std::span<const Schedule> schedules = {}, std::string_view counters_summary = {});

}  // namespace sysring::broker
