// libsysring: read-only access to the broker's segment.
//
//   auto client = sysring::Client::open();            // validates the whole segment once
//   auto id = client.find("mem.available");           // name -> stable MetricId
//   sysring::Scalar v;
//   if (client.read(*id, v) == sysring::ReadStatus::kOk) use(v.as_u64());
//
// read() is inline: a bounds check and a seqlock copy of three words, no syscall. The mapping is
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
  std::uint32_t value_slot_count = 0;
  std::uint32_t ring_slot_count = 0, ring_slot_size = 0;
  std::uint64_t device = 0, inode = 0;
  // Dynamic.
  layout::BrokerState state = layout::BrokerState::kInit;
  std::uint64_t heartbeat_ns = 0;
  std::uint64_t tick_count = 0;
  std::uint64_t ring_head = 0;
  std::uint64_t ring_deltas_total = 0;
  std::uint64_t ring_bytes_total = 0;
  std::uint64_t ring_split_ticks = 0;
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
  explicit BoundMetric(const layout::ValueSlot* slot) : slot_(slot) {}
  const layout::ValueSlot* slot_;
};

class Client {
 public:
  // Opens, fstat-checks, maps read-only and validates the segment. Throws Error (one line).
  static Client open(const OpenOptions& options = {});

  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  // ---- Hot path ----
  ReadStatus read(MetricId id, Scalar& out) const noexcept {
    const auto index = static_cast<std::uint32_t>(id);
    if (index >= slot_count_) return ReadStatus::kNoSuchMetric;
    return read_slot(slots_[index], out);
  }
  ReadStatus read_text(MetricId id, Text& out) const noexcept;
  // A ValueType::Counter metric: its count, time enabled and time running from one seqlock copy.
  // A scalar metric reads as a count with zero times.
  ReadStatus read_counter(MetricId id, CounterTotals& out) const noexcept {
    const auto index = static_cast<std::uint32_t>(id);
    if (index >= slot_count_) return ReadStatus::kNoSuchMetric;
    return read_counter_slot(slots_[index], out);
  }

  // Reads many scalar metrics: out[i] and status[i] for ids[i] (up to the shortest span).
  // One pass makes a single seqlock attempt per slot, with no retry loop in the way of the
  // pipeline; only the slots a concurrent write touched are read again, with the usual bounded
  // retries. Returns how many came back kOk.
  std::size_t read_many(std::span<const MetricId> ids, std::span<Scalar> out,
                        std::span<ReadStatus> status) const noexcept {
    const std::size_t n = std::min({ids.size(), out.size(), status.size()});
    // Locals: stores through `out` might alias the members, which would force reloads.
    const layout::ValueSlot* const slots = slots_;
    const std::uint32_t slot_count = slot_count_;
    std::size_t ok = 0;
    bool retry = false;
    for (std::size_t i = 0; i < n; ++i) {
      const auto index = static_cast<std::uint32_t>(ids[i]);
      if (index >= slot_count) {
        status[i] = ReadStatus::kNoSuchMetric;
        continue;
      }
      const layout::ValueSlot& slot = slots[index];
      const std::uint64_t s0 = slot.seq.load(std::memory_order_acquire);
      const std::uint64_t time = seqlock::load(slot.read_time_ns);
      const std::uint64_t meta = seqlock::load(slot.meta);
      const std::uint64_t bits = seqlock::load(slot.payload[0]);
      std::atomic_thread_fence(std::memory_order_acquire);  // as in seqlock::read
      const bool consistent = ((s0 & 1) == 0) & (slot.seq.load(std::memory_order_relaxed) == s0);
      out[i] = Scalar{bits, static_cast<ValueType>(layout::meta_type(meta)), time};
      // Branch-free: kBusy marks the slot for the second pass.
      const ReadStatus st = consistent ? status_of(layout::meta_status(meta)) : ReadStatus::kBusy;
      status[i] = st;
      retry |= !consistent;
      ok += st == ReadStatus::kOk;
    }
    if (retry) {
      for (std::size_t i = 0; i < n; ++i) {
        if (status[i] != ReadStatus::kBusy) continue;
        status[i] = read(ids[i], out[i]);
        ok += status[i] == ReadStatus::kOk;
      }
    }
    return ok;
  }
  // Resolves `id` once; nullopt if it is outside the value table.
  [[nodiscard]] std::optional<BoundMetric> bind(MetricId id) const noexcept {
    const auto index = static_cast<std::uint32_t>(id);
    if (index >= slot_count_) return std::nullopt;
    return BoundMetric(&slots_[index]);
  }

  // One seqlock copy of a scalar slot: three words, no syscall, no allocation.
  static ReadStatus read_slot(const layout::ValueSlot& slot, Scalar& out) noexcept {
    // Copy into locals: stores to `out` inside the retry loop could not stay in registers.
    std::uint64_t time = 0, meta = 0, bits = 0;
    const bool consistent = seqlock::read(slot.seq, [&] {
      time = seqlock::load(slot.read_time_ns);
      meta = seqlock::load(slot.meta);
      bits = seqlock::load(slot.payload[0]);
    });
    if (!consistent) return ReadStatus::kBusy;
    out.bits = bits;
    out.read_time_ns = time;
    out.type = static_cast<ValueType>(layout::meta_type(meta));
    return status_of(layout::meta_status(meta));
  }

  // One seqlock copy of a counter slot: five words.
  static ReadStatus read_counter_slot(const layout::ValueSlot& slot, CounterTotals& out) noexcept {
    std::uint64_t time = 0, meta = 0, count = 0, enabled = 0, running = 0;
    const bool consistent = seqlock::read(slot.seq, [&] {
      time = seqlock::load(slot.read_time_ns);
      meta = seqlock::load(slot.meta);
      count = seqlock::load(slot.payload[0]);
      enabled = seqlock::load(slot.payload[1]);
      running = seqlock::load(slot.payload[2]);
    });
    if (!consistent) return ReadStatus::kBusy;
    // A scalar slot has no times: report it as never multiplexed rather than reading stale words.
    const bool is_counter =
        layout::meta_type(meta) == static_cast<std::uint8_t>(ValueType::Counter);
    out = CounterTotals{count, is_counter ? enabled : 0, is_counter ? running : 0, time};
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

  // ---- Broker ----
  [[nodiscard]] SegmentInfo info() const noexcept;
  [[nodiscard]] std::uint64_t epoch() const noexcept;  // of the segment mapped now
  [[nodiscard]] BrokerHealth health() const noexcept;
  // If the broker restarted (new segment under the name), maps the new one and returns true.
  // Keeps the current mapping and returns false when there is nothing newer to attach to.
  bool reattach();

  // ---- Low level, for RingFollower and tools ----
  [[nodiscard]] const layout::Header& live_header() const noexcept;
  [[nodiscard]] const layout::RingSlotHeader& ring_slot(std::uint64_t position) const noexcept;
  [[nodiscard]] std::uint32_t ring_slot_count() const noexcept;
  [[nodiscard]] std::uint32_t ring_slot_size() const noexcept;

 private:
  struct Mapping;
  explicit Client(std::unique_ptr<Mapping> mapping);
  static std::unique_ptr<Mapping> map_and_validate(const OpenOptions& options);
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
  const layout::ValueSlot* slots_ = nullptr;
  std::uint32_t slot_count_ = 0;
};

inline ReadStatus BoundMetric::read(Scalar& out) const noexcept {
  return Client::read_slot(*slot_, out);
}

// Monotonic clock in ns, the clock the broker stamps values and heartbeats with.
[[nodiscard]] std::uint64_t monotonic_ns() noexcept;

}  // namespace sysring
