#include "sysring/ring_follower.hpp"

#include <algorithm>
#include <bit>

#include "delta_batch_generated.h"
#include "sysring/varint.hpp"

namespace sysring {

namespace {

// Copies of the table tried in one poll before it gives up until the next (ticks faster than
// a copy: microsecond ticks in tests, never the broker's).
constexpr int kSnapshotAttempts = 3;

constexpr std::uint16_t kNoColumn = 0xFFFF;  // in column_of_word_: not a cell word

std::uint64_t decode_value(ValueType type, std::uint64_t encoded) {
  switch (type) {
    case ValueType::I64:
      return varint::unzigzag(encoded);
    case ValueType::F64:
      return varint::reverse_bytes(encoded);
    default:
      return encoded;
  }
}

InstanceEventKind kind_of(schema::InstanceEventKind kind) {
  return kind == schema::InstanceEventKind::Removed ? InstanceEventKind::kRemoved
                                                    : InstanceEventKind::kAdded;
}

}  // namespace

RingFollower::RingFollower(const Client& client) : client_(&client) {
  scratch_.resize(client.ring_slot_size() / sizeof(std::uint64_t));
  index_columns();
}

void RingFollower::index_columns() {
  columns_.clear();
  for (const Descriptor& d : client_->descriptors()) {
    const DomainInfo* domain = client_->domain(d.domain);
    const std::uint32_t rows = domain != nullptr ? domain->capacity : 0;
    Column c;
    c.cell_words = layout::cell_words(static_cast<std::uint8_t>(d.type));
    c.cell_shift = std::has_single_bit(c.cell_words) ? std::countr_zero(c.cell_words) : -1;
    c.first = std::uint64_t{d.column} + 1;
    c.end = c.first + std::uint64_t{rows} * c.cell_words;
    c.id = d.id;
    c.type = d.type;
    c.domain = d.domain;
    columns_.push_back(c);
  }
  // Every cell word of the table names its column (2 bytes a word: 9 KB here, 140 KB for a
  // 256-CPU server), so decoding a delta never searches.
  column_of_word_.assign(client_->info().value_words, kNoColumn);
  for (std::size_t i = 0; i < columns_.size() && i < kNoColumn; ++i) {
    const Column& c = columns_[i];
    const std::uint64_t end = std::min<std::uint64_t>(c.end, column_of_word_.size());
    for (std::uint64_t w = c.first; w < end; ++w) {
      column_of_word_[w] = static_cast<std::uint16_t>(i);
    }
  }
  rows_.assign(kDomainCount, {});
  for (const DomainInfo& d : client_->domains()) {
    if (d.domain != InstanceDomain::None) rows_[domain_index(d.domain)].resize(d.capacity);
  }
}

// The column holding `cell`, which must be the start of one of its cells, and that cell's row;
// nullptr otherwise. One load from the word-to-column map.
const RingFollower::Column* RingFollower::locate(std::uint64_t cell,
                                                 std::uint32_t& row) const noexcept {
  if (cell >= column_of_word_.size()) return nullptr;
  const std::uint16_t i = column_of_word_[cell];
  if (i == kNoColumn) return nullptr;
  const Column& c = columns_[i];
  const std::uint64_t offset = cell - c.first;
  // Number and counter cells are 2 and 4 words: a shift, not a division, on the hot path.
  const std::uint64_t r = c.cell_shift >= 0 ? offset >> c.cell_shift : offset / c.cell_words;
  if (r * c.cell_words != offset) return nullptr;
  row = static_cast<std::uint32_t>(r);
  return &c;
}

void RingFollower::track(InstanceEvent& e) {
  const auto d = domain_index(e.domain);
  if (d >= rows_.size() || e.row >= rows_[d].size()) return;
  InstanceEvent& slot = rows_[d][e.row];
  if (e.kind == InstanceEventKind::kAdded) {
    slot = e;
  } else if (slot.registration == e.registration) {
    // The batch may still carry the row's last cells (marked unavailable): the row is named
    // until the next batch, and the event gets the labels a Removed does not carry itself.
    if (e.labels.empty()) e.labels = slot.labels;
    if (e.name.empty()) e.name = slot.name;
    removed_.push_back({e.domain, e.row, e.registration});
  }
}

// Rows removed by the previous batch are free from this one on (until their next Added).
void RingFollower::forget_removed() {
  for (const RemovedRow& r : removed_) {
    InstanceEvent& slot = rows_[domain_index(r.domain)][r.row];
    if (slot.registration == r.registration) slot = InstanceEvent{};
  }
  removed_.clear();
}

const InstanceEvent* RingFollower::instance(InstanceDomain domain,
                                            std::uint32_t row) const noexcept {
  const auto d = domain_index(domain);
  if (d >= rows_.size() || row >= rows_[d].size() || rows_[d][row].registration == 0) {
    return nullptr;
  }
  return &rows_[d][row];
}

// Decodes a verified batch. False if its contents do not fit this segment (a buggy or hostile
// writer): a cell that is not a cell, a packed vector that ends early, counts that disagree.
bool RingFollower::decode(const void* raw, Batch& out) {
  const auto& batch = *static_cast<const schema::DeltaBatch*>(raw);
  forget_removed();
  out.tick = batch.tick();
  out.timestamp_ns = batch.timestamp_ns();
  out.full_snapshot = batch.full_snapshot();
  out.from_value_table = false;
  out.part = batch.part();
  out.part_count = batch.part_count();
  out.events.clear();
  out.values.clear();
  out.strings.clear();
  out.unavailable.clear();
  out.counters.clear();

  if (const auto* events = batch.events()) {
    for (const schema::InstanceEvent* e : *events) {
      InstanceEvent ev;
      ev.kind = kind_of(e->kind());
      ev.domain = e->domain();
      ev.row = e->row();
      ev.instance_id = e->instance_id();
      ev.registration = e->registration();
      ev.name = e->name() ? e->name()->str() : "";
      if (const auto* labels = e->labels()) {
        for (const schema::Label* l : *labels)
          ev.labels.push_back({l->key()->str(), l->value()->str()});
      }
      ev.time_ns = e->time_ns();
      if (domain_index(ev.domain) >= kDomainCount) return false;
      out.events.push_back(std::move(ev));
    }
  }

  // Packed numeric cells.
  if (const auto* packed = batch.values()) {
    const std::uint8_t* p = packed->data();
    const std::uint8_t* end = p + packed->size();
    std::uint64_t cell = 0;
    // Each value is two varints of a byte or more: a larger count is a lie, and reserving it
    // would let a hostile slot ask for up to 100 GB.
    if (batch.value_count() > packed->size() / 2) return false;
    out.values.reserve(batch.value_count());
    for (std::uint32_t i = 0; i < batch.value_count(); ++i) {
      std::uint64_t gap = 0, encoded = 0;
      if (!varint::get(p, end, gap) || !varint::get(p, end, encoded)) return false;
      cell += gap;
      std::uint32_t row = 0;
      const Column* c = locate(cell, row);
      if (c == nullptr || c->type == ValueType::Counter || c->type == ValueType::String) {
        return false;
      }
      out.values.push_back({c->id, row, decode_value(c->type, encoded)});
    }
    if (p != end) return false;
  } else if (batch.value_count() != 0) {
    return false;
  }
  // Packed counter cells.
  if (const auto* packed = batch.counters()) {
    const std::uint8_t* p = packed->data();
    const std::uint8_t* end = p + packed->size();
    std::uint64_t cell = 0;
    std::uint64_t enabled = 0;  // each counter's enabled time is a difference from the last one
    for (std::uint32_t i = 0; i < batch.counter_count(); ++i) {
      std::uint64_t gap = 0, count = 0, enabled_step = 0, not_running = 0;
      if (!varint::get(p, end, gap) || !varint::get(p, end, count) ||
          !varint::get(p, end, enabled_step) || !varint::get(p, end, not_running)) {
        return false;
      }
      enabled += varint::unzigzag(enabled_step);
      cell += gap;
      std::uint32_t row = 0;
      const Column* c = locate(cell, row);
      if (c == nullptr || c->type != ValueType::Counter) return false;
      out.counters.push_back({c->id, row,
                              CounterTotals{count, enabled, enabled - varint::unzigzag(not_running),
                                            out.timestamp_ns}});
    }
    if (p != end) return false;
  } else if (batch.counter_count() != 0) {
    return false;
  }
  const auto* string_cells = batch.string_cells();
  const auto* strings = batch.strings();
  const std::size_t s = string_cells ? string_cells->size() : 0;
  if ((strings ? strings->size() : 0) != s) return false;
  for (std::size_t i = 0; i < s; ++i) {
    std::uint32_t row = 0;
    const Column* c = locate(string_cells->Get(i), row);
    if (c == nullptr || c->type != ValueType::String) return false;
    out.strings.push_back({c->id, strings->Get(i)->str()});
  }
  if (const auto* gone = batch.unavailable_cells()) {
    for (const std::uint32_t cell : *gone) {
      std::uint32_t row = 0;
      const Column* c = locate(cell, row);
      if (c == nullptr) return false;
      out.unavailable.push_back({c->id, row});
    }
  }
  for (InstanceEvent& e : out.events) track(e);
  return true;
}

bool RingFollower::snapshot_from_value_table(Batch& out, bool after_lap) {
  const layout::Header& h = client_->live_header();
  // Take the head first: every batch before it has its values in the table and its instances
  // in the directory already (the broker writes both, then publishes the batch); every later
  // batch is read from the ring. The directory is read before the table, so every instance it
  // lists as live was registered in the table before the copy. The head must not move while
  // the table is copied: a copy several ticks newer than the head would have the batches in
  // between replayed over it, naming their values by instances the copy no longer holds (a row
  // reused meanwhile). With the head unchanged, the copy is of the tick of the head's last
  // batch or of the next one (the table is published before its batch), and re-applying that
  // one batch is harmless.
  std::uint64_t head = 0;
  std::shared_ptr<const InstanceDirectory> directory;
  bool consistent = false;
  for (int attempt = 0; attempt < kSnapshotAttempts && !consistent; ++attempt) {
    head = h.ring_head.load(std::memory_order_acquire);
    try {
      directory = client_->instances();
    } catch (const Error&) {
      return false;  // not published yet, or kept changing: retried at the next poll
    }
    if (!client_->read_all(snapshot_)) return false;
    // The latch's acquire of the table orders this load after the copy.
    consistent = h.ring_head.load(std::memory_order_acquire) == head;
  }
  if (!consistent) return false;  // ticks faster than a copy: retried at the next poll
  out = Batch{};
  out.position = head;
  out.tick = h.tick_count.load(std::memory_order_relaxed);
  out.timestamp_ns = monotonic_ns();
  out.full_snapshot = true;
  out.from_value_table = true;

  // Rows of instances that are live in both the directory and this copy of the table.
  std::vector<std::vector<const Instance*>> live(kDomainCount);
  for (const DomainInfo& d : client_->domains())
    live[domain_index(d.domain)].assign(d.capacity, nullptr);
  rows_.assign(kDomainCount, {});
  removed_.clear();
  for (const DomainInfo& d : client_->domains()) rows_[domain_index(d.domain)].resize(d.capacity);
  for (const Instance& i : directory->instances) {
    const DomainInfo* d = client_->domain(i.domain);
    if (!i.live || d == nullptr || i.row >= d->capacity) continue;
    if (snapshot_.registration(*d, i.row) != (i.registration | layout::kRegistrationLive)) continue;
    live[domain_index(i.domain)][i.row] = &i;
    InstanceEvent e{InstanceEventKind::kAdded,
                    i.domain,
                    i.row,
                    i.instance_id,
                    i.registration,
                    i.name,
                    i.labels,
                    i.added_ns};
    track(e);
    out.events.push_back(std::move(e));
  }
  for (const Descriptor& d : client_->descriptors()) {
    const DomainInfo* domain = client_->domain(d.domain);
    if (domain == nullptr) continue;
    for (std::uint32_t row = 0; row < domain->capacity; ++row) {
      if (d.domain != InstanceDomain::None && live[domain_index(d.domain)][row] == nullptr)
        continue;
      ReadStatus st;
      if (d.type == ValueType::String) {
        const std::uint64_t cell = std::uint64_t{d.column} + 1;
        const std::uint64_t meta = snapshot_.words()[cell];
        st = static_cast<ReadStatus>(static_cast<std::uint8_t>(layout::meta_status(meta)) & 3);
        if (st == ReadStatus::kOk) {
          const std::size_t length =
              std::min<std::size_t>(layout::meta_length(meta), layout::kMaxStringBytes);
          out.strings.push_back(
              {d.id,
               std::string(reinterpret_cast<const char*>(&snapshot_.words()[cell + 1]), length)});
        }
      } else if (d.type == ValueType::Counter) {
        CounterTotals totals;
        st = snapshot_.counter(d, row, totals);
        if (st == ReadStatus::kOk) out.counters.push_back({d.id, row, totals});
      } else {
        Scalar value;
        st = snapshot_.scalar(d, row, value);
        if (st == ReadStatus::kOk) out.values.push_back({d.id, row, value.bits});
      }
      if (st == ReadStatus::kUnavailable || st == ReadStatus::kReadError) {
        out.unavailable.push_back({d.id, row});
      }
    }
  }
  // Lost = the ring positions this snapshot replaces, counted from the same head it resumes at.
  if (after_lap) {
    out.lost_batches = head > cursor_ ? head - cursor_ : 0;
    ++lapped_count_;
    lost_total_ += out.lost_batches;
  }
  cursor_ = head;
  need_snapshot_ = false;
  lapped_pending_ = false;
  epoch_ = client_->epoch();
  return true;
}

PollResult RingFollower::poll(Batch& out) {
  const layout::Header& h = client_->live_header();
  if (need_snapshot_ || client_->epoch() != epoch_) {  // first poll, or a re-attached client
    if (client_->epoch() != epoch_) {
      // The client may have re-attached to a broker with another layout or larger ring slots.
      scratch_.resize(client_->ring_slot_size() / sizeof(std::uint64_t));
      index_columns();
    }
    need_snapshot_ = true;
    return snapshot_from_value_table(out, false) ? PollResult::kBatch : PollResult::kBusy;
  }
  const auto resync_after_lap = [&] {
    lapped_pending_ = true;
    return snapshot_from_value_table(out, true) ? PollResult::kBatch : PollResult::kBusy;
  };
  if (lapped_pending_) return resync_after_lap();
  const std::uint64_t head = h.ring_head.load(std::memory_order_acquire);
  if (head == cursor_) return PollResult::kIdle;
  if (head < cursor_) {  // the head went backwards: not our broker's ring any more
    need_snapshot_ = true;
    return snapshot_from_value_table(out, false) ? PollResult::kBatch : PollResult::kBusy;
  }
  if (head - cursor_ > client_->ring_slot_count()) return resync_after_lap();

  const layout::RingSlotHeader& slot = client_->ring_slot(cursor_);
  const auto* payload = reinterpret_cast<const layout::Word*>(&slot + 1);
  const std::uint64_t capacity = client_->ring_slot_size() - sizeof(layout::RingSlotHeader);
  std::uint64_t position = 0;
  std::uint64_t length = 0;
  const bool consistent = seqlock::read(slot.seq, [&] {
    position = seqlock::load(slot.position);
    length = seqlock::load(slot.length);
    // Torn until validated: bound the copy by the slot's capacity.
    latch::copy_words(payload, scratch_.data(), (std::min(length, capacity) + 7) / 8);
  });
  if (!consistent) return PollResult::kBusy;
  if (position > cursor_) return resync_after_lap();  // overwritten while we were behind
  if (position < cursor_ || length > capacity) {
    ++corrupt_count_;
    ++cursor_;
    return PollResult::kCorrupt;
  }

  const auto* bytes = reinterpret_cast<const std::uint8_t*>(scratch_.data());
  flatbuffers::Verifier verifier(bytes, length, /*max_depth=*/8, /*max_tables=*/1u << 16);
  if (!schema::VerifyDeltaBatchBuffer(verifier) || !decode(schema::GetDeltaBatch(bytes), out)) {
    ++corrupt_count_;
    ++cursor_;
    return PollResult::kCorrupt;
  }
  out.position = cursor_;
  out.lost_batches = 0;
  ++cursor_;
  return PollResult::kBatch;
}

}  // namespace sysring
