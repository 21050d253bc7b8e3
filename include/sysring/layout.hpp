// The byte layout of the sysring shared-memory segment. See docs/DESIGN.md for the diagram.
//
// Rules: fixed-width fields only; every offset is pinned by a static_assert; fields the broker
// changes after start are std::atomic<uint64_t> words (lock-free and address-free, so they work
// across processes) on cache lines of their own. The immutable part of the header is written
// before `state` becomes LIVE with a release store.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace sysring::layout {

using Word = std::atomic<std::uint64_t>;
static_assert(Word::is_always_lock_free, "shared-memory words must be lock-free");
static_assert(sizeof(Word) == 8);
static_assert(alignof(Word) == 8);

inline constexpr std::uint64_t kMagic = 0x00474E4952535953ULL;  // "SYSRING\0" little-endian
inline constexpr std::uint16_t kMajorVersion = 1;               // a reader refuses another major
inline constexpr std::uint16_t kMinorVersion = 0;               // additive changes only
inline constexpr std::size_t kCacheLine = 64;
inline constexpr std::size_t kMaxSections = 8;
inline constexpr std::uint64_t kMaxSegmentBytes = 1ULL << 30;  // sanity bound for readers
inline constexpr std::size_t kMaxNameChars = 31;  // incl. the leading '/', macOS PSHMNAMLEN

enum class SectionKind : std::uint32_t { kDescriptors = 1, kValues = 2, kRing = 3 };

enum class BrokerState : std::uint64_t { kInit = 1, kLive = 2, kClosed = 3 };

struct SectionEntry {
  std::uint32_t kind;  // SectionKind
  std::uint32_t reserved;
  std::uint64_t offset;  // from the start of the segment
  std::uint64_t size;    // bytes
};
static_assert(sizeof(SectionEntry) == 24);

// ---- Header: 1024 bytes at offset 0 ----
// The first 512 bytes never change once state leaves INIT: readers copy them once (plain bytes,
// trivially copyable) and validate the copy, never the live memory.
struct HeaderFixed {
  std::uint64_t magic;           // kMagic
  std::uint16_t major;           // kMajorVersion
  std::uint16_t minor;           // kMinorVersion
  std::uint32_t header_size;     // sizeof(Header)
  std::uint64_t total_size;      // bytes in the whole segment
  std::uint64_t schema_hash;     // registry hash (ids, names, types)
  std::uint64_t epoch;           // random per broker start
  std::uint32_t broker_pid;      //
  std::uint32_t broker_uid;      //
  std::uint64_t tick_period_ns;  // base tick
  std::uint64_t start_mono_ns;   // CLOCK_MONOTONIC at start
  std::uint64_t start_real_ns;   // CLOCK_REALTIME at start, for display only
  std::uint32_t section_count;   // entries used in `sections`
  std::uint32_t value_slot_count;
  std::uint32_t value_slot_size;
  std::uint32_t ring_slot_count;  // power of two
  std::uint32_t ring_slot_size;   // power of two, bytes
  std::uint32_t reserved0;
  SectionEntry sections[kMaxSections];
  std::uint8_t pad0[512 - 96 - kMaxSections * sizeof(SectionEntry)];
};
static_assert(sizeof(HeaderFixed) == 512);
static_assert(std::is_trivially_copyable_v<HeaderFixed>);

struct Header {
  HeaderFixed fixed;
  // Mutable, each group on its own cache line.
  alignas(kCacheLine) Word state;  // BrokerState, release-stored last
  std::uint8_t pad1[kCacheLine - 8];
  alignas(kCacheLine) Word heartbeat_ns;  // CLOCK_MONOTONIC at the end of each tick
  Word tick_count;                        // ticks completed
  std::uint8_t pad2[kCacheLine - 16];
  alignas(kCacheLine) Word ring_head;  // batches published (next position to write)
  Word ring_deltas_total;              // scalar + string deltas published, all batches
  Word ring_bytes_total;               // FlatBuffer bytes published, all batches
  Word ring_split_ticks;               // ticks whose deltas needed more than one slot
  std::uint8_t pad3[1024 - 640 - 32];
};

static_assert(offsetof(HeaderFixed, magic) == 0);
static_assert(offsetof(HeaderFixed, major) == 8);
static_assert(offsetof(HeaderFixed, minor) == 10);
static_assert(offsetof(HeaderFixed, header_size) == 12);
static_assert(offsetof(HeaderFixed, total_size) == 16);
static_assert(offsetof(HeaderFixed, schema_hash) == 24);
static_assert(offsetof(HeaderFixed, epoch) == 32);
static_assert(offsetof(HeaderFixed, broker_pid) == 40);
static_assert(offsetof(HeaderFixed, broker_uid) == 44);
static_assert(offsetof(HeaderFixed, tick_period_ns) == 48);
static_assert(offsetof(HeaderFixed, start_mono_ns) == 56);
static_assert(offsetof(HeaderFixed, start_real_ns) == 64);
static_assert(offsetof(HeaderFixed, section_count) == 72);
static_assert(offsetof(HeaderFixed, value_slot_count) == 76);
static_assert(offsetof(HeaderFixed, value_slot_size) == 80);
static_assert(offsetof(HeaderFixed, ring_slot_count) == 84);
static_assert(offsetof(HeaderFixed, ring_slot_size) == 88);
static_assert(offsetof(HeaderFixed, sections) == 96);
static_assert(offsetof(Header, state) == 512);
static_assert(offsetof(Header, heartbeat_ns) == 576);
static_assert(offsetof(Header, tick_count) == 584);
static_assert(offsetof(Header, ring_head) == 640);
static_assert(offsetof(Header, ring_deltas_total) == 648);
static_assert(offsetof(Header, ring_bytes_total) == 656);
static_assert(offsetof(Header, ring_split_ticks) == 664);
static_assert(sizeof(Header) == 1024);

// ---- Value table: one slot per metric id, slot index == id ----
enum class SlotStatus : std::uint8_t {
  kEmpty = 0,        // not read yet
  kOk = 1,           // payload holds the value read at read_time_ns
  kUnavailable = 2,  // the source does not exist on this machine
  kReadError = 3,    // the source exists but the last read failed
};

inline constexpr std::size_t kPayloadWords = 13;
inline constexpr std::size_t kMaxStringBytes = kPayloadWords * 8;  // 104
// Counter slots: payload[0] count, [1] time enabled (ns), [2] time running (ns).
inline constexpr std::uint32_t kCounterBytes = 3 * 8;

// meta word: bits 0..31 payload length in bytes, 32..39 ValueType, 40..47 SlotStatus.
constexpr std::uint64_t pack_meta(SlotStatus status, std::uint8_t value_type,
                                  std::uint32_t length) {
  return std::uint64_t{length} | (std::uint64_t{value_type} << 32) |
         (std::uint64_t{static_cast<std::uint8_t>(status)} << 40);
}
constexpr std::uint32_t meta_length(std::uint64_t meta) {
  return static_cast<std::uint32_t>(meta);
}
constexpr std::uint8_t meta_type(std::uint64_t meta) {
  return static_cast<std::uint8_t>(meta >> 32);
}
constexpr SlotStatus meta_status(std::uint64_t meta) {
  return static_cast<SlotStatus>(static_cast<std::uint8_t>(meta >> 40));
}

struct ValueSlot {
  Word seq;                     // seqlock: odd while the broker writes
  Word read_time_ns;            // CLOCK_MONOTONIC when the broker read the value
  Word meta;                    // pack_meta(status, type, length)
  Word payload[kPayloadWords];  // scalar in payload[0]; counters in [0..2]; strings packed
};
static_assert(offsetof(ValueSlot, seq) == 0);
static_assert(offsetof(ValueSlot, read_time_ns) == 8);
static_assert(offsetof(ValueSlot, meta) == 16);
static_assert(offsetof(ValueSlot, payload) == 24);
static_assert(sizeof(ValueSlot) == 128, "two cache lines: no false sharing between metrics");

// ---- Delta ring: ring_slot_count slots of ring_slot_size bytes ----
struct RingSlotHeader {
  Word seq;       // seqlock over the whole slot
  Word position;  // which batch (0, 1, 2, ...) the slot holds; position % slot_count == index
  Word length;    // FlatBuffer bytes in the payload
  Word reserved;
};
static_assert(sizeof(RingSlotHeader) == 32);
inline constexpr std::uint32_t kMinRingSlotSize = 1024;
inline constexpr std::uint32_t kMaxRingSlotSize = 1u << 20;
inline constexpr std::uint32_t kMaxRingSlots = 1u << 16;

constexpr bool is_power_of_two(std::uint64_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

}  // namespace sysring::layout
