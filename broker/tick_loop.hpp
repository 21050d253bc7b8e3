// One broker tick: read what is due, write the value table, publish the changes to the ring.
//
// Ordering matters for followers: every value-table write of a tick happens before the ring
// batch that announces it is published (RingWriter releases ring_head after the slot), so a
// follower that resynchronises from the table at head H misses nothing before H.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "scheduler/monotonic_chain.hpp"
#include "segment/delta_encoder.hpp"
#include "segment/segment_writer.hpp"
#include "sources/metric_sources.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker {

struct TickStats {
  std::uint64_t reads = 0;    // metrics read this tick
  std::uint64_t changes = 0;  // deltas published
  std::uint64_t parts = 0;    // ring batches published
};

class TickLoop {
 public:
  // `entries`: this platform's registry rows. Unavailable ones are marked once and never read.
  // `schedules`: one per entry, the effective schedule after the config's overrides
  // (resolve_schedules); empty means the registry's own.
  TickLoop(SegmentWriter& segment, MetricSources& sources,
           std::span<const registry::RegistryEntry> entries,
           std::span<const Schedule> schedules = {});

  TickStats tick(std::uint64_t now_ns);
  [[nodiscard]] std::uint64_t ticks_done() const noexcept { return ticks_; }

 private:
  struct Tracked {
    std::uint16_t id;
    schema::ValueType type;
    bool read_once;        // STATIC: read until it succeeds, then never again
    std::uint64_t ttl_ns;  // period for the others
    std::uint64_t next_due_ns = 0;
    layout::SlotStatus last_status = layout::SlotStatus::kEmpty;
    std::uint64_t last_bits = 0;
    std::uint64_t last_enabled_ns = 0;  // Counter only
    std::uint64_t last_running_ns = 0;
    std::string last_text;
  };

  void publish_reading(Tracked& metric, const Reading& reading, std::uint64_t now_ns);

  SegmentWriter* segment_;
  MetricSources* sources_;
  std::vector<Tracked> tracked_;
  std::vector<std::uint16_t> unavailable_at_start_;
  DeltaEncoder encoder_;
  std::uint64_t ticks_ = 0;
};

}  // namespace sysring::broker
