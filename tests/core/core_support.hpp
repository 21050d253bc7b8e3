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
#include "segment/value_layout.hpp"
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

// What a Linux broker publishes: the linux rows, then the counter rows.
inline std::vector<registry::RegistryEntry> published_entries() {
  std::vector<registry::RegistryEntry> out = linux_entries();
  for (const auto& e : registry::kEntries) {
    if (e.platform == "counters") out.push_back(e);
  }
  return out;
}

inline const registry::RegistryEntry& registry_row(std::uint16_t id) {
  for (const auto& e : registry::kEntries) {
    if (e.id == id) return e;
  }
  throw std::out_of_range("no registry row " + std::to_string(id));
}

// Rows per domain for test segments: a few of each.
inline broker::DomainCapacities test_capacities(std::uint32_t rows = 4) {
  broker::DomainCapacities c{};
  c.fill(rows);
  c[0] = 1;
  return c;
}

struct SegmentSpec {
  std::string name;
  std::uint32_t ring_slot_count = 16;
  std::uint32_t ring_slot_size = 1024;
  std::uint64_t tick_period_ns = 1'000'000'000;
  std::vector<registry::RegistryEntry> entries = linux_entries();
  broker::DomainCapacities capacities = test_capacities();
  std::uint32_t directory_bytes = 16384;
  // Ids whose descriptor says "unavailable"; everything else is available. Ignored when
  // `availability` is set (the broker's way: ask the sources).
  std::vector<std::uint16_t> unavailable;
  std::function<const broker::Availability&(std::uint16_t)> availability;
  // Effective schedules to publish, one per entry; empty: the registry's own.
  std::vector<broker::Schedule> schedules;
  std::string counters_summary;  // the descriptor table's counter line
};

// A segment as the broker creates it, with the layout that places its columns.
class TestSegment {
 public:
  TestSegment(broker::ValueLayout layout, broker::SegmentWriter writer)
      : layout_(std::move(layout)), writer_(std::move(writer)) {}

  [[nodiscard]] broker::SegmentWriter& writer() { return writer_; }
  [[nodiscard]] const broker::ValueLayout& layout() const { return layout_; }
  [[nodiscard]] broker::ValueTableWriter& values() { return writer_.values(); }
  [[nodiscard]] broker::RingWriter& ring() { return writer_.ring(); }
  [[nodiscard]] layout::Header& header() { return writer_.header(); }
  [[nodiscard]] const std::string& name() const { return writer_.name(); }
  void go_live() { writer_.go_live(); }
  void heartbeat(std::uint64_t now_ns, std::uint64_t ticks) { writer_.heartbeat(now_ns, ticks); }
  void close() { writer_.close(); }

  // The cell of `id` in `row` (0 for scalars), and its column.
  [[nodiscard]] std::uint64_t cell(std::uint16_t id, std::uint32_t row = 0) const {
    return broker::ValueLayout::cell(*layout_.column(id), row);
  }
  [[nodiscard]] std::uint32_t column(std::uint16_t id) const { return layout_.column(id)->column; }

  // What a tick does for one scalar: write the value, stamp the column, publish.
  void put_scalar(std::uint16_t id, std::uint64_t bits, std::uint64_t read_time_ns) {
    values().put_scalar(cell(id), layout_.column(id)->type, bits);
    values().stamp(column(id), read_time_ns);
    values().publish();
  }
  void put_text(std::uint16_t id, std::string_view text, std::uint64_t read_time_ns) {
    values().put_text(cell(id), text);
    values().stamp(column(id), read_time_ns);
    values().publish();
  }
  void put_counter(std::uint16_t id, std::uint64_t count, std::uint64_t enabled,
                   std::uint64_t running, std::uint64_t read_time_ns) {
    values().put_counter(cell(id), count, enabled, running);
    values().stamp(column(id), read_time_ns);
    values().publish();
  }
  void put_status(std::uint16_t id, layout::SlotStatus status, std::uint64_t read_time_ns) {
    values().put_status(cell(id), status, layout_.column(id)->type);
    values().stamp(column(id), read_time_ns);
    values().publish();
  }

 private:
  broker::ValueLayout layout_;
  broker::SegmentWriter writer_;
};

// Creates the segment (state INIT; call go_live() before Client::open with defaults).
inline std::unique_ptr<TestSegment> make_segment(const SegmentSpec& spec) {
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
  broker::ValueLayout layout(spec.entries, spec.capacities);
  const std::vector<std::uint8_t> descriptors = broker::build_descriptor_table(
      spec.entries, layout, "linux", registry::kSchemaHash,
      spec.availability ? spec.availability : [&](std::uint16_t id) -> const broker::Availability& {
        return availability.at(id);
      },
      spec.schedules, spec.counters_summary);
  broker::SegmentConfig config;
  config.name = spec.name;
  config.value_words = layout.words();
  config.ring_slot_count = spec.ring_slot_count;
  config.ring_slot_size = spec.ring_slot_size;
  config.directory_bytes = spec.directory_bytes;
  config.tick_period_ns = spec.tick_period_ns;
  config.schema_hash = registry::kSchemaHash;
  config.descriptors = descriptors;
  return std::make_unique<TestSegment>(std::move(layout), broker::SegmentWriter::create(config));
}

}  // namespace sysring::coretest
