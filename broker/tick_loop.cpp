#include "tick_loop.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "log.hpp"

namespace sysring::broker {
namespace {
constexpr std::uint64_t kMsToNs = 1'000'000;
// A failed STATIC read is retried at this period rather than every tick.
constexpr std::uint64_t kStaticRetryNs = 10'000 * kMsToNs;

std::array<std::uint32_t, kDomainCount> capacities_of(const ValueLayout& layout) {
  std::array<std::uint32_t, kDomainCount> out{};
  for (const DomainPlan& d : layout.domains()) out[domain_index(d.domain)] = d.capacity;
  return out;
}

}  // namespace

// What an instance source reports to during one refresh.
class TickLoop::Sink final : public InstanceSink {
 public:
  Sink(TickLoop& loop, const Source& source, std::uint64_t now_ns)
      : loop_(&loop), source_(&source), now_ns_(now_ns) {}

  std::uint32_t present(std::string_view name, std::span<const LabelView> labels) override {
    const std::size_t events_before = loop_->instances_.events().size();
    const std::uint32_t row =
        loop_->instances_.present(source_->source->domain(), name, labels, now_ns_);
    const auto& events = loop_->instances_.events();
    for (std::size_t i = events_before; i < events.size(); ++i) loop_->apply(events[i]);
    return row;
  }
  [[nodiscard]] std::uint32_t find(std::string_view name) const override {
    return loop_->instances_.find(source_->source->domain(), name);
  }
  void value(std::uint16_t family, std::uint32_t row, const Reading& reading) override {
    if (!wants(family)) return;
    const Family& f = *loop_->family(family);
    if (row >= f.column->rows) return;
    const std::uint64_t cell = ValueLayout::cell(*f.column, row);
    // A STATIC family is read once per instance: keep the first good value, and take it
    // whenever the instance appears, due or not (its family stopped being due long ago).
    if (f.due.read_once && loop_->table_->status(cell) == layout::SlotStatus::kOk) return;
    loop_->publish_reading(cell, f.column->type, reading, true);
    if (!f.due_now) loop_->table_->stamp(f.column->column, now_ns_);
  }
  [[nodiscard]] bool wants(std::uint16_t family) const override {
    const Family* f = loop_->family(family);
    return f != nullptr && f->available && (f->due_now || f->due.read_once);
  }

 private:
  TickLoop* loop_;
  const Source* source_;
  std::uint64_t now_ns_;
};

TickLoop::TickLoop(SegmentWriter& segment, const ValueLayout& layout, MetricSources& scalars,
                   std::span<InstanceSource* const> instance_sources,
                   std::span<const registry::RegistryEntry> entries,
                   std::span<const Schedule> schedules, const TickOptions& options)
    : segment_(&segment),
      layout_(&layout),
      table_(&segment.values()),
      scalars_(&scalars),
      // The directory buffer is sized for an average record, not the largest the limits allow:
      // the table refuses instances past it (counted as unpublished), never overflowing it.
      instances_(capacities_of(layout),
                 std::max(options.quarantine_ns, 2 * segment.header().fixed.tick_period_ns),
                 options.first_registration, segment.directory().capacity(), options.limits),
      encoder_(segment.ring().capacity()) {
  if (!schedules.empty() && schedules.size() != entries.size()) {
    throw std::invalid_argument("TickLoop: one schedule per entry");
  }
  std::vector<const InstanceSource*> source_of;
  for (InstanceSource* s : instance_sources) {
    for (const std::uint16_t f : s->families()) {
      if (f >= source_of.size()) source_of.resize(std::size_t{f} + 1, nullptr);
      source_of[f] = s;
    }
  }
  std::uint16_t max_id = 0;
  for (const auto& e : entries) max_id = std::max(max_id, e.id);
  family_index_.assign(std::size_t{max_id} + 1, kNoFamily);

  for (std::size_t i = 0; i < entries.size(); ++i) {
    const registry::RegistryEntry& e = entries[i];
    const ColumnPlan* column = layout.column(e.id);
    if (column == nullptr) continue;
    const Schedule schedule = schedules.empty() ? registry_schedule(e) : schedules[i];
    Due due;
    due.read_once = schedule.pattern == schema::AccessPattern::Static;
    due.ttl_ns = std::uint64_t{schedule.ttl_ms == 0 ? kDefaultTtlMs : schedule.ttl_ms} * kMsToNs;
    const bool disabled = schedule.pattern == schema::AccessPattern::Disabled;

    if (e.domain != InstanceDomain::None) {
      const InstanceSource* src = e.id < source_of.size() ? source_of[e.id] : nullptr;
      family_index_[e.id] = static_cast<std::uint16_t>(families_.size());
      Family& f = families_.emplace_back();
      f.column = column;
      f.available = !disabled && src != nullptr && src->availability(e.id).available;
      f.due = due;
      continue;
    }
    if (disabled) continue;
    const std::uint64_t cell = ValueLayout::cell(*column, 0);
    if (!scalars.availability(e.id).available) {
      table_->put_status(cell, layout::SlotStatus::kUnavailable, e.type);
      unavailable_at_start_.push_back(cell);
      continue;
    }
    tracked_.push_back({e.id, e.type, column->column, cell, due});
  }
  families_.shrink_to_fit();
  for (InstanceSource* s : instance_sources) {
    Source source{s, {}};
    for (const std::uint16_t f : s->families()) {
      if (const Family* family = this->family(f); family && family->available) {
        source.families.push_back(f);
      }
    }
    // An owner is refreshed even with no family to read: its refresh decides what exists.
    if (!source.families.empty() || s->owns_domain()) sources_.push_back(std::move(source));
  }
  // Owners first: their refresh registers the instances other sources attach values to.
  std::stable_partition(sources_.begin(), sources_.end(),
                        [](const Source& s) { return s.source->owns_domain(); });
}

void TickLoop::advance(Due& due, bool ok, std::uint64_t now_ns) {
  if (due.read_once) {
    due.next_due_ns = ok ? UINT64_MAX : now_ns + kStaticRetryNs;
    return;
  }
  // Stay on the TTL grid; skip missed periods instead of bursting to catch up.
  due.next_due_ns = due.next_due_ns == 0 ? now_ns + due.ttl_ns : due.next_due_ns + due.ttl_ns;
  if (due.next_due_ns <= now_ns) due.next_due_ns = now_ns + due.ttl_ns;
}

// Writes one reading into its cell; what readers see differently goes to the ring.
void TickLoop::publish_reading(std::uint64_t cell, schema::ValueType type, const Reading& r,
                               bool announce_unavailable) {
  if (r.status != layout::SlotStatus::kOk) {
    if (table_->put_status(cell, r.status, type) && announce_unavailable) {
      encoder_.add_unavailable(cell);
    }
    return;
  }
  switch (type) {
    case schema::ValueType::String:
      if (table_->put_text(cell, r.text)) encoder_.add_text(cell, r.text);
      break;
    case schema::ValueType::Counter:
      if (table_->put_counter(cell, r.bits, r.time_enabled_ns, r.time_running_ns)) {
        encoder_.add_counter(cell, r.bits, r.time_enabled_ns, r.time_running_ns);
      }
      break;
    default:
      if (table_->put_scalar(cell, type, r.bits)) encoder_.add_value(cell, type, r.bits);
      break;
  }
}

// An instance came: register its row and start its cells empty (or unavailable, for families
// this machine cannot read), so a reused row never shows the previous tenant's values. An
// instance went: clear the live bit; handles to it read "gone" from the next publish on.
void TickLoop::apply(const InstanceEvent& e) {
  const std::uint64_t reg_word = layout_->registration(e.domain, e.row);
  if (e.kind == InstanceEventKind::kRemoved) {
    table_->put_word(reg_word, e.registration);
    return;
  }
  for (const ColumnPlan& c : layout_->columns()) {
    if (c.domain != e.domain) continue;
    const Family* f = family(c.family);
    const bool available = f != nullptr && f->available;
    table_->put_status(ValueLayout::cell(c, e.row),
                       available ? layout::SlotStatus::kEmpty : layout::SlotStatus::kUnavailable,
                       c.type);
  }
  table_->put_word(reg_word, e.registration | layout::kRegistrationLive);
}

void TickLoop::refresh(Source& s, std::uint64_t now_ns, TickStats& stats) {
  bool any_due = false;
  for (const std::uint16_t f : s.families) {
    Family& family = *this->family(f);
    family.due_now = is_due(family.due, now_ns);
    any_due |= family.due_now;
  }
  // An owner with no family to read still refreshes every tick: other sources attach values to
  // the instances it keeps current.
  const bool bare_owner = s.source->owns_domain() && s.families.empty();
  if (!any_due && !bare_owner) return;
  ++stats.reads;
  const InstanceDomain domain = s.source->domain();
  const bool owner = s.source->owns_domain();
  if (owner) instances_.begin_refresh(domain);
  Sink sink(*this, s, now_ns);
  s.source->refresh(sink);
  if (owner) {
    const std::size_t events_before = instances_.events().size();
    instances_.end_refresh(domain, now_ns);
    const auto& events = instances_.events();
    for (std::size_t i = events_before; i < events.size(); ++i) apply(events[i]);
  }
  for (const std::uint16_t f : s.families) {
    Family& family = *this->family(f);
    if (!family.due_now) continue;
    table_->stamp(family.column->column, now_ns);
    advance(family.due, true, now_ns);
    family.due_now = false;
  }
}

TickStats TickLoop::tick(std::uint64_t now_ns) {
  TickStats stats;
  const bool first = ticks_ == 0;
  scalars_->begin_tick();
  encoder_.begin(ticks_, now_ns, first);
  if (first) {  // the full snapshot names what will never come, too
    for (const std::uint64_t cell : unavailable_at_start_) encoder_.add_unavailable(cell);
  }
  for (Scalar& m : tracked_) {
    if (!is_due(m.due, now_ns)) continue;
    const Reading r = scalars_->read(m.id);
    ++stats.reads;
    publish_reading(m.cell, m.type, r, true);
    table_->stamp(m.column, now_ns);
    advance(m.due, r.status == layout::SlotStatus::kOk, now_ns);
  }
  for (Source& s : sources_) refresh(s, now_ns, stats);

  // Events lead the batch: a follower learns of an instance before its values.
  for (const InstanceEvent& e : instances_.events()) {
    encoder_.add_event(e);
    (e.kind == InstanceEventKind::kAdded ? stats.added : stats.removed) += 1;
  }
  table_->publish();
  layout::Header& header = segment_->header();
  if (instances_.changed()) {
    if (!segment_->directory().publish(instances_)) {
      log::error("instance directory larger than its buffer; kept the previous one");
    }
    instances_.clear_changed();
  }
  header.instances_unpublished.store(instances_.unpublished(), std::memory_order_relaxed);
  header.instances_added.store(header.instances_added.load(std::memory_order_relaxed) + stats.added,
                               std::memory_order_relaxed);
  header.instances_removed.store(
      header.instances_removed.load(std::memory_order_relaxed) + stats.removed,
      std::memory_order_relaxed);
  if (!logged_refusal_ && !instances_.first_refusal().empty()) {
    logged_refusal_ = true;  // once: a full pool stays full, and the header keeps the count
    log::warn(instances_.first_refusal());
  }

  stats.changes = encoder_.change_count();
  // The first tick always publishes (the full snapshot), later ticks only when something changed.
  if (first || !encoder_.empty()) {
    RingWriter& ring = segment_->ring();
    stats.parts = encoder_.finish([&ring](std::span<const std::uint8_t> batch,
                                          std::uint64_t deltas) { ring.publish(batch, deltas); });
    if (stats.parts > 1) {
      auto& split = header.ring_split_ticks;
      split.store(split.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
  }
  instances_.clear_events();
  ++ticks_;
  segment_->heartbeat(now_ns, ticks_);
  return stats;
}

}  // namespace sysring::broker
