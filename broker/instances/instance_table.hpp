// The broker's record of instances: which instance holds which row of its domain, with a stable
// instance id per name, a registration number per tenancy, and a quarantine before a freed row
// is reused (as Agrona's counters keep a freed counter for a while before reuse).
//
// Lifecycle of a row:  free -> live (Added) -> gone (Removed; quarantined) -> free again after
// the quarantine. A name keeps its instance id for the life of the broker (PCP's instance cache):
// a disk that goes and comes back gets its old id, a new registration and any free row.
// Portable and free of I/O; the tick loop applies its events to the value table and the ring.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "instances/instance_source.hpp"
#include "sysring/domains.hpp"

namespace sysring::broker {

struct Label {
  std::string key;
  std::string value;
  friend bool operator==(const Label&, const Label&) = default;
};

enum class InstanceEventKind : std::uint8_t { kAdded, kRemoved };

struct InstanceEvent {
  InstanceEventKind kind = InstanceEventKind::kAdded;
  InstanceDomain domain = InstanceDomain::None;
  std::uint32_t row = 0;
  std::uint32_t instance_id = 0;
  std::uint64_t registration = 0;
  std::string name;
  std::vector<Label> labels;  // kAdded only
  std::uint64_t time_ns = 0;
};

struct InstanceRecord {
  std::string name;
  std::vector<Label> labels;
  std::uint32_t instance_id = 0;
  std::uint64_t registration = 0;
  bool live = false;
  std::uint64_t added_ns = 0;
  std::uint64_t removed_ns = 0;
};

// Bounds on what one instance may carry, so the directory can be sized ahead.
struct InstanceLimits {
  std::size_t max_name_bytes = 1024;
  std::size_t max_labels = 16;
  std::size_t max_label_bytes = 1024;  // key or value
};

class InstanceTable {
 public:
  // `capacities`: rows per domain. Registrations count up from `first_registration` (random per
  // broker start, so a handle from an earlier broker never matches). `directory_budget`: bytes
  // the published records may take (InstanceTable::record_bytes each).
  InstanceTable(std::span<const std::uint32_t> capacities, std::uint64_t quarantine_ns,
                std::uint64_t first_registration, std::size_t directory_budget,
                const InstanceLimits& limits = {});

  // A refresh of `domain` by its owner: present() each instance seen, then end_refresh().
  void begin_refresh(InstanceDomain domain);
  std::uint32_t present(InstanceDomain domain, std::string_view name,
                        std::span<const LabelView> labels, std::uint64_t now_ns);
  // Removes the live instances the refresh did not report.
  void end_refresh(InstanceDomain domain, std::uint64_t now_ns);
  [[nodiscard]] std::uint32_t find(InstanceDomain domain, std::string_view name) const;

  // Events since the last clear, in order.
  [[nodiscard]] const std::vector<InstanceEvent>& events() const noexcept { return events_; }
  void clear_events() noexcept { events_.clear(); }
  // True when a record changed since the last clear (the directory must be rewritten).
  [[nodiscard]] bool changed() const noexcept { return changed_; }
  void clear_changed() noexcept { changed_ = false; }

  // The record in `row`, live or gone-and-quarantined; nullptr for a free row.
  [[nodiscard]] const InstanceRecord* record(InstanceDomain domain, std::uint32_t row) const;
  [[nodiscard]] std::uint32_t capacity(InstanceDomain domain) const;
  [[nodiscard]] std::uint32_t live_count(InstanceDomain domain) const;
  // Instances the last refresh of each domain saw but could not publish, summed; and why the
  // first refusal of the broker's life happened (for a one-time log line).
  [[nodiscard]] std::uint64_t unpublished() const noexcept;
  [[nodiscard]] const std::string& first_refusal() const noexcept { return first_refusal_; }

  // Conservative size of one record in the directory FlatBuffer.
  [[nodiscard]] static std::size_t record_bytes(std::string_view name,
                                                std::span<const Label> labels);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct Domain {
    std::vector<InstanceRecord> rows;       // by row; live or gone records, or free (empty name)
    std::vector<bool> used;                 // the row holds a record (live or quarantined)
    std::vector<bool> seen;                 // reported by the refresh in progress
    std::vector<std::uint32_t> never_used;  // rows never handed out, lowest last
    std::deque<std::pair<std::uint32_t, std::uint64_t>> quarantine;              // row, reusable at
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> ids;   // name -> id
    std::unordered_map<std::string, std::uint32_t, Hash, std::equal_to<>> live;  // name -> row
    std::uint32_t next_id = 0;
    std::uint32_t live_count = 0;
    std::uint32_t refused = 0;       // by the refresh in progress
    std::uint32_t refused_last = 0;  // by the last finished refresh
  };

  std::uint32_t take_row(Domain& d, std::uint64_t now_ns);
  void remove(InstanceDomain domain, std::uint32_t row, std::uint64_t now_ns);
  void refuse(InstanceDomain domain, std::string_view name, const std::string& why);

  std::vector<Domain> domains_;
  std::uint64_t quarantine_ns_;
  std::uint64_t next_registration_;
  std::size_t directory_budget_;
  std::size_t directory_used_ = 0;
  InstanceLimits limits_;
  std::vector<InstanceEvent> events_;
  bool changed_ = false;
  std::string first_refusal_;
};

}  // namespace sysring::broker
