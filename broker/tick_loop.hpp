// One broker tick: read what is due, write the value table, publish the changes to the ring.
//
// Publication order, which followers and readers rely on:
//   1. the value table (both copies, under the latch): every value and registration of the tick;
//   2. the instance directory, when an instance came or went (after 1, so a reader that finds an
//      instance in the directory finds its row registered in the table);
//   3. the tick's batches in the ring (after 1 and 2, so a follower that resynchronises from the
//      table and directory at ring head H misses nothing before H);
//   4. the heartbeat.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "instances/instance_source.hpp"
#include "instances/instance_table.hpp"
#include "scheduler/monotonic_chain.hpp"
#include "segment/delta_encoder.hpp"
#include "segment/segment_writer.hpp"
#include "segment/value_layout.hpp"
#include "sources/metric_sources.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker {

struct TickStats {
  std::uint64_t reads = 0;    // scalar metrics read and instance sources refreshed
  std::uint64_t changes = 0;  // deltas and instance events published
  std::uint64_t parts = 0;    // ring batches published
  std::uint64_t added = 0;    // instances that appeared
  std::uint64_t removed = 0;  // instances that went
};

struct TickOptions {
  // A freed row is not reused before this has passed (and at least two ticks).
  std::uint64_t quarantine_ns = 1'000'000'000;
  // First registration number: random per broker start (so a handle from an earlier broker
  // never matches a new one's registration).
  std::uint64_t first_registration = 1;
  InstanceLimits limits{};
};

class TickLoop {
 public:
  // `entries`: this platform's registry rows, laid out by `layout`. Scalar rows are read from
  // `scalars`; rows with a domain from the instance source that lists them in families() (one
  // whose family no source lists stays empty). Unavailable rows are marked once and never read.
  // `schedules`: one per entry, the effective schedule after the config's overrides; empty
  // means the registry's own.
  TickLoop(SegmentWriter& segment, const ValueLayout& layout, MetricSources& scalars,
           std::span<InstanceSource* const> instance_sources,
           std::span<const registry::RegistryEntry> entries,
           std::span<const Schedule> schedules = {}, const TickOptions& options = {});

  TickStats tick(std::uint64_t now_ns);
  [[nodiscard]] std::uint64_t ticks_done() const noexcept { return ticks_; }
  [[nodiscard]] const InstanceTable& instances() const noexcept { return instances_; }

 private:
  struct Due {
    bool read_once = false;  // STATIC: read until it succeeds, then never again
    std::uint64_t ttl_ns = 0;
    std::uint64_t next_due_ns = 0;
  };
  struct Scalar {
    std::uint16_t id;
    schema::ValueType type;
    std::uint32_t column;
    std::uint64_t cell;
    Due due;
  };
  struct Family {  // an instance family
    const ColumnPlan* column = nullptr;
    bool available = false;
    Due due;
    bool due_now = false;  // due in the tick in progress
  };
  struct Source {
    InstanceSource* source;
    std::vector<std::uint16_t> families;  // available ones only
  };
  class Sink;

  void publish_reading(std::uint64_t cell, schema::ValueType type, const Reading& reading,
                       bool announce_unavailable);
  void apply(const InstanceEvent& event);
  void refresh(Source& source, std::uint64_t now_ns, TickStats& stats);
  static bool is_due(const Due& due, std::uint64_t now_ns) { return now_ns >= due.next_due_ns; }
  static void advance(Due& due, bool ok, std::uint64_t now_ns);

  SegmentWriter* segment_;
  const ValueLayout* layout_;
  ValueTableWriter* table_;
  MetricSources* scalars_;
  std::vector<Scalar> tracked_;
  std::vector<std::uint64_t> unavailable_at_start_;  // cells
  // A family's row by its id: a few hundred families among ids up to a few thousand.
  static constexpr std::uint16_t kNoFamily = 0xFFFF;
  std::vector<std::uint16_t> family_index_;  // family id -> index into families_, or kNoFamily
  std::vector<Family> families_;
  [[nodiscard]] std::size_t family_slot(std::uint16_t id) const noexcept {
    return id < family_index_.size() ? family_index_[id] : kNoFamily;
  }
  [[nodiscard]] Family* family(std::uint16_t id) noexcept {
    const std::size_t slot = family_slot(id);
    return slot == kNoFamily ? nullptr : &families_[slot];
  }
  [[nodiscard]] const Family* family(std::uint16_t id) const noexcept {
    const std::size_t slot = family_slot(id);
    return slot == kNoFamily ? nullptr : &families_[slot];
  }
  std::vector<Source> sources_;
  InstanceTable instances_;
  DeltaEncoder encoder_;
  std::uint64_t ticks_ = 0;
  bool logged_refusal_ = false;
};

}  // namespace sysring::broker
