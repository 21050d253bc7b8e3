// Follows the delta ring. Never blocks, never writes shared memory.
//
// The first batch is a full snapshot built from the value table and the instance directory;
// after that, one batch per ring position. A follower that was lapped (the broker overwrote
// batches it had not read) gets a batch with lost_batches > 0 and full_snapshot == true: it
// resynchronised from the table. Instance events come first in a batch: an Added before the
// instance's values, a Removed after its last ones. A snapshot describes every live instance
// with an Added event.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sysring/client.hpp"

namespace sysring {

// A value named by family and row: `row` is 0 for a scalar, else the instance's row in its
// domain (RingFollower::instance(domain, row) names it).
struct Delta {
  MetricId id;
  std::uint32_t row = 0;
  std::uint64_t bits = 0;  // typed by the descriptor
};

struct StringDelta {
  MetricId id;
  std::string text;
};

struct CounterDelta {
  MetricId id;
  std::uint32_t row = 0;
  CounterTotals totals;  // read_time_ns is the batch's timestamp_ns
};

struct CellRef {
  MetricId id;
  std::uint32_t row = 0;
};

enum class InstanceEventKind : std::uint8_t { kAdded, kRemoved };

struct InstanceEvent {
  InstanceEventKind kind = InstanceEventKind::kAdded;
  InstanceDomain domain = InstanceDomain::None;
  std::uint32_t row = 0;
  std::uint32_t instance_id = 0;
  std::uint64_t registration = 0;
  std::string name;
  std::vector<InstanceLabel> labels;  // a kRemoved gets them from the follower's kAdded
  std::uint64_t time_ns = 0;
};

struct Batch {
  std::uint64_t position = 0;  // ring position; for a snapshot, the head it resumes from
  std::uint64_t tick = 0;
  std::uint64_t timestamp_ns = 0;
  bool full_snapshot = false;
  bool from_value_table = false;  // a resync snapshot, not a ring batch
  std::uint16_t part = 0;         // a tick split over several slots: part of part_count
  std::uint16_t part_count = 1;
  std::uint64_t lost_batches = 0;  // batches overwritten before this follower read them
  std::vector<InstanceEvent> events;
  std::vector<Delta> values;
  std::vector<StringDelta> strings;
  std::vector<CellRef> unavailable;
  std::vector<CounterDelta> counters;  // ValueType::Counter metrics
};

enum class PollResult : std::uint8_t {
  kBatch,    // `out` holds a batch
  kIdle,     // nothing new
  kBusy,     // the broker is writing the next slot; poll again
  kCorrupt,  // a slot failed verification; it was skipped and counted
};

class RingFollower {
 public:
  explicit RingFollower(const Client& client);

  PollResult poll(Batch& out);

  [[nodiscard]] std::uint64_t position() const noexcept { return cursor_; }
  [[nodiscard]] std::uint64_t lost_total() const noexcept { return lost_total_; }
  [[nodiscard]] std::uint64_t lapped_count() const noexcept { return lapped_count_; }
  [[nodiscard]] std::uint64_t corrupt_count() const noexcept { return corrupt_count_; }
  // Forget the position: the next poll returns a fresh snapshot. (Not needed after
  // Client::reattach: the follower notices the new epoch itself.)
  void resync() noexcept { need_snapshot_ = true; }

  // The instance the batches so far put in (domain, row), or nullptr: the follower keeps the
  // events it delivered, so a consumer can name a delta's row without the directory.
  [[nodiscard]] const InstanceEvent* instance(InstanceDomain domain,
                                              std::uint32_t row) const noexcept;

 private:
  // A column of the value table as the follower decodes cells: [first, end) are its cells.
  struct Column {
    std::uint64_t first = 0;  // word offset of row 0's cell
    std::uint64_t end = 0;
    MetricId id = MetricId::None;
    ValueType type = ValueType::Unknown;
    InstanceDomain domain = InstanceDomain::None;
    std::uint32_t cell_words = 0;
    int cell_shift = -1;  // log2(cell_words) when a power of two
  };
  // False when the table stayed busy: the snapshot is retried at the next poll.
  bool snapshot_from_value_table(Batch& out, bool after_lap);
  bool decode(const void* batch, Batch& out);
  const Column* locate(std::uint64_t cell, std::uint32_t& row) const noexcept;
  void index_columns();
  void track(InstanceEvent& event);
  void forget_removed();

  const Client* client_;
  std::uint64_t cursor_ = 0;
  bool need_snapshot_ = true;
  bool lapped_pending_ = false;  // a lap was detected but its snapshot is not delivered yet
  std::uint64_t lost_total_ = 0;
  std::uint64_t lapped_count_ = 0;
  std::uint64_t corrupt_count_ = 0;
  std::uint64_t epoch_ = 0;             // of the segment the cursor belongs to
  std::vector<std::uint64_t> scratch_;  // private copy of a slot, verified before decoding
  std::vector<Column> columns_;
  std::vector<std::uint16_t> column_of_word_;     // value-table word -> index into columns_
  std::vector<std::vector<InstanceEvent>> rows_;  // by domain, by row: the last Added
  struct RemovedRow {
    InstanceDomain domain = InstanceDomain::None;
    std::uint32_t row = 0;
    std::uint64_t registration = 0;
  };
  std::vector<RemovedRow> removed_;  // by the last batch: forgotten when the next is decoded
  ValueSnapshot snapshot_;
};

}  // namespace sysring
