// Helpers shared by the core suites: unique segment names, registry rows, a real segment with a
// descriptor table, and a follower-side view of what a batch carries.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "segment/descriptor_builder.hpp"
#include "segment/segment_writer.hpp"
#include "sources/metric_sources.hpp"
#include "sysring/client.hpp"
#include "sysring/registry_data.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::coretest {

// "/srt<tag><pid>_<n>": well under the 31-character limit, unique per process and call.
inline std::string unique_segment_name(const char* tag) {
  static std::atomic<unsigned> counter{0};
  std::string name = std::string("/srt") + tag + std::to_string(::getpid()) + "_" +
                     std::to_string(counter.fetch_add(1));
  return name;
}

// Client options for a test segment (defaults otherwise: expected owner, require LIVE).
inline OpenOptions open_options(const std::string& name) {
  OpenOptions o;
  o.name = name;
  return o;
}

// The Linux rows of the compiled-in registry.
inline std::vector<registry::RegistryEntry> linux_entries() {
  std::vector<registry::RegistryEntry> out;
  for (const auto& e : registry::kEntries) {
    if (e.platform == "linux") out.push_back(e);
  }
  return out;
}

inline const registry::RegistryEntry& registry_row(std::uint16_t id) {
  for (const auto& e : registry::kEntries) {
    if (e.id == id) return e;
  }
  throw std::out_of_range("no registry row " + std::to_string(id));
}

struct SegmentSpec {
  std::string name;
  std::uint32_t ring_slot_count = 16;
  std::uint32_t ring_slot_size = 1024;
  std::uint64_t tick_period_ns = 1'000'000'000;
  std::vector<registry::RegistryEntry> entries = linux_entries();
  // Ids whose descriptor says "unavailable"; everything else is available. Ignored when
  // `availability` is set (the broker's way: ask the sources).
  std::vector<std::uint16_t> unavailable;
  std::function<const broker::Availability&(std::uint16_t)> availability;
  // Effective schedules to publish, one per entry; empty: the registry's own.
  std::vector<broker::Schedule> schedules;
  std::string counters_summary;  // the descriptor table's counter line
};

// Creates the segment (state INIT; call go_live() before Client::open with defaults).
inline std::unique_ptr<broker::SegmentWriter> make_segment(const SegmentSpec& spec) {
  std::map<std::uint16_t, broker::Availability> availability;
  for (const auto& e : spec.entries) {
    broker::Availability a;
    a.available = true;
    for (const auto id : spec.unavailable) {
      if (id == e.id) {
        a.available = false;
        a.reason = "test: not on this machine";
      }
    }
    availability[e.id] = a;
  }
  const std::vector<std::uint8_t> descriptors = broker::build_descriptor_table(
      spec.entries, "linux", registry::kSchemaHash,
      spec.availability ? spec.availability : [&](std::uint16_t id) -> const broker::Availability& {
        return availability.at(id);
      },
      spec.schedules, spec.counters_summary);
  broker::SegmentConfig config;
  config.name = spec.name;
  config.value_slot_count = registry::kMaxMetricId + 1u;
  config.ring_slot_count = spec.ring_slot_count;
  config.ring_slot_size = spec.ring_slot_size;
  config.tick_period_ns = spec.tick_period_ns;
  config.schema_hash = registry::kSchemaHash;
  config.descriptors = descriptors;
  return std::make_unique<broker::SegmentWriter>(broker::SegmentWriter::create(config));
}

}  // namespace sysring::coretest
