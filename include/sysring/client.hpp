// libsysring: read-only access to the broker's segment.
//
//   auto client = sysring::Client::open();            // validates the whole segment once
//   auto id = client.find("mem.available");           // name -> stable MetricId
//   sysring::Scalar v;
//   if (client.read(*id, v) == sysring::ReadStatus::kOk) use(v.as_u64());
//
//   auto disk = client.bind(sysring::MetricId::disk_read_bytes, "vda");  // one instance
//   if (disk && client.read(*disk, v) == sysring::ReadStatus::kOk) use(v.as_u64());
//   sysring::FamilyValues all = client.read_family(sysring::MetricId::disk_read_bytes);
//
// read() is inline: a bounds check and one latch read of three words, no syscall. The mapping is
// PROT_READ and the library never writes shared memory. Reads are safe from many threads;
// reattach() is not concurrent with reads on the same Client.
#pragma once

#include <sys/types.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "metric_id_generated.h"
#include "sysring/error.hpp"
#include "sysring/instances.hpp"
#include "sysring/latch.hpp"
#include "sysring/layout.hpp"
#include "sysring/segment_name.hpp"
#include "sysring/seqlock.hpp"
#include "sysring/value.hpp"

namespace sysring {

using schema::MetricId;

struct Descriptor {
  MetricId id = MetricId::None;
  std::string name;
  std::string category;
  ValueType type = ValueType::Unknown;
  std::string unit;
  AccessPattern kernel_pattern = AccessPattern::Static;
  AccessPattern recommended_pattern = AccessPattern::Static;
  std::uint32_t ttl_ms = 0;
  std::string description;
  std::string source;
  bool available = false;
  std::string unavailable_reason;
  // What the broker actually follows after its config file's overrides (docs/CONFIG.md); from
  // a broker that predates them, the recommended pattern and ttl_ms.
  AccessPattern effective_pattern = AccessPattern::Static;
  std::uint32_t effective_ttl_ms = 0;
  // How the broker bound it this run, when that varies (counters: the event a slot holds).
  std::string detail;
  // What its values are per: None for a scalar (one value), else one value per instance.
  InstanceDomain domain = InstanceDomain::None;
  std::uint32_t column = 0;  // word offset of its column in the value table
};

// An instance domain as laid out in the segment.
struct DomainInfo {
  InstanceDomain domain = InstanceDomain::None;
  std::string name;
  std::uint32_t capacity = 0;  // rows: instances at once
  std::uint32_t registration_column = 0;
  std::vector<std::string> label_keys;
};

enum class BrokerHealth : std::uint8_t {
  kAlive,  // heartbeat younger than kStaleTicks ticks
  kStale,  // process exists but the heartbeat stopped
  kGone,   // closed, exited, or the name now belongs to another segment
};
inline constexpr std::uint64_t kStaleTicks = 3;
[[nodiscard]] const char* to_string(BrokerHealth health) noexcept;

// The header as validated at open, plus a fresh read of the words the broker keeps changing.
struct SegmentInfo {
  std::string name;
  std::uint16_t major = 0, minor = 0;
  std::uint64_t total_size = 0;
  std::uint64_t schema_hash = 0;
  bool schema_matches = false;  // the segment's registry hash equals the compiled-in one
  std::uint64_t epoch = 0;
  std::uint32_t broker_pid = 0, broker_uid = 0;
  std::uint64_t tick_period_ns = 0;
  std::uint64_t start_mono_ns = 0, start_real_ns = 0;
  std::uint32_t value_words = 0;  // one copy of the value table
  std::uint32_t ring_slot_count = 0, ring_slot_size = 0;
  std::uint32_t directory_bytes = 0;
  std::uint64_t device = 0, inode = 0;
  // The broker's request socket for per-process counters (layout 2.1; process_counters.hpp),
  // empty when it serves no requests or predates them.
  std::string request_socket;
  // Dynamic.
  layout::BrokerState state = layout::BrokerState::kInit;
  std::uint64_t heartbeat_ns = 0;
  std::uint64_t tick_count = 0;
  std::uint64_t ring_head = 0;
  std::uint64_t ring_deltas_total = 0;
  std::uint64_t ring_bytes_total = 0;
  std::uint64_t ring_split_ticks = 0;
  std::uint64_t directory_generation = 0;
  std::uint64_t instances_unpublished = 0;  // seen by the broker, no room to publish them
  std::uint64_t instances_added = 0;
  std::uint64_t instances_removed = 0;
};

// One consistent copy of the whole value table (Client::read_all): every value of every family
// and instance from one broker publish.
class ValueSnapshot {
 public:
  [[nodiscard]] std::span<const std::uint64_t> words() const noexcept { return words_; }
  // Read-back helpers over the copy, with the same meaning as the Client's reads. A family
  // with a domain needs a row (InstanceHandle::row); a scalar's row is 0.
  [[nodiscard]] ReadStatus scalar(const Descriptor& family, std::uint32_t row,
                                  Scalar& out) const noexcept;
  [[nodiscard]] ReadStatus counter(const Descriptor& family, std::uint32_t row,
                                   CounterTotals& out) const noexcept;
  // The registration word of a row of `domain` (layout::kRegistrationLive set while live).
  [[nodiscard]] std::uint64_t registration(const DomainInfo& domain,
                                           std::uint32_t row) const noexcept;
  std::uint64_t sequence = 0;  // the latch sequence the copy was taken at

 private:
  friend class Client;
  std::vector<std::uint64_t> words_;
};

struct OpenOptions {
  std::string name = std::string(kDefaultSegmentName);
  // Owner the segment must have. Unset: root, or the calling user (a broker you started).
  std::optional<uid_t> expected_owner;
  // Refuse a segment whose broker is still initialising or has closed it.
  bool require_live = true;
};

class RingFollower;
class Client;

// A metric resolved once to its slot, for loops that read the same metric again and again (as
// the seed pre-resolved sysctl names to MIBs). Valid while its Client stays attached to the same
// segment: Client::reattach() invalidates it.
class BoundMetric {
 public:
  ReadStatus read(Scalar& out) const noexcept;

 private:
  friend class Client;
  BoundMetric(const Client* client, std::uint32_t column) : client_(client), column_(column) {}
  const Client* client_;
  std::uint32_t column_;
};

class Client {
 public:
  // Opens, fstat-checks, maps read-only and validates the segment. Throws Error (one line):
  // kNotFound when no segment is there, kNotLive while its broker is still creating or starting
  // it (an empty object, a header not written yet, state INIT) or has closed it: try again.
  static Client open(const OpenOptions& options = {});

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  // ---- Hot path: scalars ----
  ReadStatus read(MetricId id, Scalar& out) const noexcept {
    const auto index = static_cast<std::uint32_t>(id);
    if (index >= id_count_ || scalar_column_[index] == kNoColumn) return ReadStatus::kNoSuchMetric;
    return read_scalar_cell(scalar_column_[index], out);
  }
  ReadStatus read_text(MetricId id, Text& out) const noexcept;
  // A ValueType::Counter metric: its count, time enabled and time running from one latch read.
  // A scalar metric reads as a count with zero times.
  ReadStatus read_counter(MetricId id, CounterTotals& out) const noexcept {
    const auto index = static_cast<std::uint32_t>(id);
    if (index >= id_count_ || scalar_column_[index] == kNoColumn) return ReadStatus::kNoSuchMetric;
    return read_counter_cell(scalar_column_[index], scalar_column_[index] + 1, 0, 0, out);
  }

  // Reads many scalar metrics: out[i] and status[i] for ids[i] (up to the shortest span), all
  // from one broker publish (one latch read; retried as a whole, a bounded number of times).
  // Returns how many came back kOk.
  std::size_t read_many(std::span<const MetricId> ids, std::span<Scalar> out,
                        std::span<ReadStatus> status) const noexcept;

  // Resolves `id` once; nullopt if it is not a scalar of this segment.
  [[nodiscard]] std::optional<BoundMetric> bind(MetricId id) const noexcept {
    const auto index = static_cast<std::uint32_t>(id);
    if (index >= id_count_ || scalar_column_[index] == kNoColumn) return std::nullopt;
    return BoundMetric(this, scalar_column_[index]);
  }

  // ---- Instances ----
  // The directory's generation: one load tells whether instances came or went since.
  [[nodiscard]] std::uint64_t directory_generation() const noexcept {
    return mapping_live_header().directory_generation.load(std::memory_order_acquire);
  }
  // The current directory (copied and verified again only when the generation moved). Throws
  // Error(kBadSegment) on a directory that fails validation.
  [[nodiscard]] std::shared_ptr<const InstanceDirectory> instances() const;
  // (family, live instance named `instance`) resolved once; nullopt when either is unknown.
  [[nodiscard]] std::optional<InstanceHandle> bind(MetricId family,
                                                   std::string_view instance) const;
  [[nodiscard]] std::optional<InstanceHandle> bind(MetricId family, const Instance& instance) const;
  // kGone once the instance was removed (or after reattach).
  ReadStatus read(const InstanceHandle& handle, Scalar& out) const noexcept;
  ReadStatus read_counter(const InstanceHandle& handle, CounterTotals& out) const noexcept;
  // One family across every live instance, from one broker publish. Empty `values` for an
  // unknown family. Throws like instances().
  [[nodiscard]] FamilyValues read_family(MetricId family) const;
  // As above into `out`, reusing its storage (no allocation once it has grown).
  void read_family(MetricId family, FamilyValues& out) const;

  // ---- Everything ----
  // One consistent copy of the whole value table. False when the broker kept publishing during
  // every attempt (ReadStatus::kBusy's meaning).
  bool read_all(ValueSnapshot& out) const noexcept;

  // One latch read of three words (time, meta, value) of a scalar cell's column.
  ReadStatus read_scalar_cell(std::uint32_t column, Scalar& out) const noexcept {
    std::uint64_t time = 0, meta = 0, bits = 0;
    const bool consistent = latch::read(*seq_, values_, stride_words_, [&](const layout::Word* t) {
      const layout::Word* cell = t + column;  // one base register for the three loads
      time = seqlock::load(cell[0]);
      meta = seqlock::load(cell[1]);
      bits = seqlock::load(cell[2]);
    });
    if (!consistent) return ReadStatus::kBusy;
    out.bits = bits;
    out.read_time_ns = time;
    out.type = static_cast<ValueType>(layout::meta_type(meta));
    return status_of(layout::meta_status(meta));
  }

  // ---- Names and descriptors (verified private copy) ----
  [[nodiscard]] std::optional<MetricId> find(std::string_view name) const noexcept;
  [[nodiscard]] const Descriptor* descriptor(MetricId id) const noexcept;
  [[nodiscard]] const std::vector<Descriptor>& descriptors() const noexcept;
  [[nodiscard]] const std::string& platform() const noexcept;
  // The broker's counter backend, one line ("perf_event: software events only ..."), or why it
  // counts nothing; empty from a broker without counters.
  [[nodiscard]] const std::string& counters_summary() const noexcept;
  [[nodiscard]] const std::vector<DomainInfo>& domains() const noexcept;
  [[nodiscard]] const DomainInfo* domain(InstanceDomain domain) const noexcept;

  // ---- Broker ----
  [[nodiscard]] SegmentInfo info() const noexcept;
  [[nodiscard]] std::uint64_t epoch() const noexcept;  // of the segment mapped now
  [[nodiscard]] BrokerHealth health() const noexcept;
  // If the broker restarted (new segment under the name), maps the new one and returns true.
  // Keeps the current mapping and returns false when there is nothing newer to attach to (no
  // segment, or one its broker is still creating or starting: kNotFound and kNotLive are not
  // thrown). Throws Error for anything else under the name (kBadSegment for a foreign object).
  bool reattach();

  // ---- Low level, for RingFollower and tools ----
  [[nodiscard]] const layout::Header& live_header() const noexcept { return mapping_live_header(); }
  [[nodiscard]] const layout::RingSlotHeader& ring_slot(std::uint64_t position) const noexcept;
  [[nodiscard]] std::uint32_t ring_slot_count() const noexcept;
  [[nodiscard]] std::uint32_t ring_slot_size() const noexcept;

 private:
  struct Mapping;
  friend class BoundMetric;
  static constexpr std::uint32_t kNoColumn = UINT32_MAX;
  explicit Client(std::unique_ptr<Mapping> mapping);
  static std::unique_ptr<Mapping> map_and_validate(const OpenOptions& options);
  [[nodiscard]] const layout::Header& mapping_live_header() const noexcept { return *header_; }
  // One latch read of a counter cell (`registration_word`/`registration` 0: no instance check).
  ReadStatus read_counter_cell(std::uint32_t column, std::uint64_t cell,
                               std::uint32_t registration_word, std::uint64_t registration,
                               CounterTotals& out) const noexcept;
  // SlotStatus and ReadStatus share their first four values: decoding is a mask (the broker
  // only writes 0..3; the mask keeps any other byte in range).
  static ReadStatus status_of(layout::SlotStatus status) noexcept {
    static_assert(static_cast<int>(layout::SlotStatus::kEmpty) ==
                      static_cast<int>(ReadStatus::kEmpty) &&
                  static_cast<int>(layout::SlotStatus::kOk) == static_cast<int>(ReadStatus::kOk) &&
                  static_cast<int>(layout::SlotStatus::kUnavailable) ==
                      static_cast<int>(ReadStatus::kUnavailable) &&
                  static_cast<int>(layout::SlotStatus::kReadError) ==
                      static_cast<int>(ReadStatus::kReadError));
    return static_cast<ReadStatus>(static_cast<std::uint8_t>(status) & 3);
  }

  std::unique_ptr<Mapping> mapping_;
  // The hot path's view, copied out of the validated mapping.
  const layout::Header* header_ = nullptr;
  const layout::Word* seq_ = nullptr;
  const layout::Word* values_ = nullptr;          // copy 0
  std::size_t stride_words_ = 0;                  // copy 0 to copy 1
  const std::uint32_t* scalar_column_ = nullptr;  // by id: a scalar's column, or kNoColumn
  std::uint32_t id_count_ = 0;
};

inline ReadStatus BoundMetric::read(Scalar& out) const noexcept {
  return client_->read_scalar_cell(column_, out);
}

// Monotonic clock in ns, the clock the broker stamps values and heartbeats with.
[[nodiscard]] std::uint64_t monotonic_ns() noexcept;

}  // namespace sysring
