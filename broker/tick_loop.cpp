#include "tick_loop.hpp"

#include <stdexcept>

#include "segment/value_table_writer.hpp"

namespace sysring::broker {
namespace {
constexpr std::uint64_t kMsToNs = 1'000'000;
// A failed STATIC read is retried at this period rather than every tick.
constexpr std::uint64_t kStaticRetryNs = 10'000 * kMsToNs;
}  // namespace

TickLoop::TickLoop(SegmentWriter& segment, MetricSources& sources,
                   std::span<const registry::RegistryEntry> entries,
                   std::span<const Schedule> schedules)
    : segment_(&segment), sources_(&sources), encoder_(segment.ring().capacity()) {
  if (!schedules.empty() && schedules.size() != entries.size()) {
    throw std::invalid_argument("TickLoop: one schedule per entry");
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const registry::RegistryEntry& e = entries[i];
    const Schedule schedule = schedules.empty() ? registry_schedule(e) : schedules[i];
    if (e.id >= segment.slot_count()) continue;
    if (schedule.pattern == schema::AccessPattern::Disabled) continue;
    if (!sources.availability(e.id).available) {
      write_status(segment.slot(e.id), layout::SlotStatus::kUnavailable, e.type, 0);
      unavailable_at_start_.push_back(e.id);
      continue;
    }
    Tracked t{};
    t.id = e.id;
    t.type = e.type;
    t.read_once = schedule.pattern == schema::AccessPattern::Static;
    t.ttl_ns = std::uint64_t{schedule.ttl_ms == 0 ? kDefaultTtlMs : schedule.ttl_ms} * kMsToNs;
    tracked_.push_back(std::move(t));
  }
}

void TickLoop::publish_reading(Tracked& m, const Reading& r, std::uint64_t now_ns) {
  layout::ValueSlot& slot = segment_->slot(m.id);
  if (r.status != layout::SlotStatus::kOk) {
    if (m.last_status != r.status) {
      write_status(slot, r.status, m.type, now_ns);
      encoder_.add_unavailable(m.id);
    }
    m.last_status = r.status;
    return;
  }
  const bool was_ok = m.last_status == layout::SlotStatus::kOk;
  m.last_status = layout::SlotStatus::kOk;
  // The slot is rewritten even when the value is unchanged: its read time tells clients how
  // fresh the value is. Only changes go to the ring.
  if (m.type == schema::ValueType::String) {
    write_text(slot, r.text, now_ns);
    if (!was_ok || r.text != m.last_text) {
      m.last_text.assign(r.text);
      encoder_.add_text(m.id, r.text);
    }
  } else if (m.type == schema::ValueType::Counter) {
    write_counter(slot, r.bits, r.time_enabled_ns, r.time_running_ns, now_ns);
    if (!was_ok || r.bits != m.last_bits || r.time_enabled_ns != m.last_enabled_ns ||
        r.time_running_ns != m.last_running_ns) {
      m.last_bits = r.bits;
      m.last_enabled_ns = r.time_enabled_ns;
      m.last_running_ns = r.time_running_ns;
      encoder_.add_counter(m.id, r.bits, r.time_enabled_ns, r.time_running_ns);
    }
  } else {
    write_scalar(slot, m.type, r.bits, now_ns);
    if (!was_ok || r.bits != m.last_bits) {
      m.last_bits = r.bits;
      encoder_.add_scalar(m.id, r.bits);
    }
  }
}

TickStats TickLoop::tick(std::uint64_t now_ns) {
  TickStats stats;
  const bool first = ticks_ == 0;
  sources_->begin_tick();
  encoder_.begin(ticks_, now_ns, first);
  if (first) {  // the full snapshot names what will never come, too
    for (const std::uint16_t id : unavailable_at_start_) encoder_.add_unavailable(id);
  }
  for (Tracked& m : tracked_) {
    if (now_ns < m.next_due_ns) continue;
    const Reading r = sources_->read(m.id);
    ++stats.reads;
    publish_reading(m, r, now_ns);
    if (m.read_once) {
      m.next_due_ns = r.status == layout::SlotStatus::kOk ? UINT64_MAX : now_ns + kStaticRetryNs;
    } else {
      // Stay on the TTL grid; skip missed periods instead of bursting to catch up.
      m.next_due_ns = m.next_due_ns == 0 ? now_ns + m.ttl_ns : m.next_due_ns + m.ttl_ns;
      if (m.next_due_ns <= now_ns) m.next_due_ns = now_ns + m.ttl_ns;
    }
  }
  stats.changes = encoder_.change_count();
  // The first tick always publishes (the full snapshot), later ticks only when something changed.
  if (first || !encoder_.empty()) {
    RingWriter& ring = segment_->ring();
    stats.parts = encoder_.finish([&ring](std::span<const std::uint8_t> batch,
                                          std::uint64_t deltas) { ring.publish(batch, deltas); });
    if (stats.parts > 1) {
      auto& split = segment_->header().ring_split_ticks;
      split.store(split.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
  }
  ++ticks_;
  segment_->heartbeat(now_ns, ticks_);
  return stats;
}

}  // namespace sysring::broker
