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
inline constexpr std::uint16_t kMajorVersion = 2;               // a reader refuses another major
inline constexpr std::uint16_t kMinorVersion = 1;               // additive changes only
inline constexpr std::size_t kCacheLine = 64;
inline constexpr std::size_t kWordBytes = 8;
inline constexpr std::size_t kMaxSections = 8;
inline constexpr std::uint64_t kMaxSegmentBytes = 1ULL << 30;  // sanity bound for readers
inline constexpr std::size_t kMaxNameChars = 31;         // incl. the leading '/', macOS PSHMNAMLEN
inline constexpr std::size_t kRequestSocketChars = 108;  // sockaddr_un::sun_path on Linux

// Version policy: a new section kind, a new header word in padding or an appended FlatBuffer
// field is a minor change (readers ignore what they do not know); moving or resizing anything
// is a major one. 2.0 replaced the 1.x value table (one 128-byte seqlock slot per metric id)
// with the latched dense table below and added the instance directory.
enum class SectionKind : std::uint32_t {
  kDescriptors = 1,  // DescriptorTable FlatBuffer, immutable
  kValues = 2,       // two copies of the value table, under the latch `values_seq`
  kRing = 3,         // delta ring slots
  kDirectory = 4,    // two instance-directory buffers, under `directory_generation`
};
inline constexpr std::uint32_t kMaxSectionKind = 4;

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
  std::uint64_t magic;             // kMagic
  std::uint16_t major;             // kMajorVersion
  std::uint16_t minor;             // kMinorVersion
  std::uint32_t header_size;       // sizeof(Header)
  std::uint64_t total_size;        // bytes in the whole segment
  std::uint64_t schema_hash;       // registry hash (ids, names, types, domains)
  std::uint64_t epoch;             // random per broker start
  std::uint32_t broker_pid;        //
  std::uint32_t broker_uid;        //
  std::uint64_t tick_period_ns;    // base tick
  std::uint64_t start_mono_ns;     // CLOCK_MONOTONIC at start
  std::uint64_t start_real_ns;     // CLOCK_REALTIME at start, for display only
  std::uint32_t section_count;     // entries used in `sections`
  std::uint32_t value_words;       // words in one copy of the value table
  std::uint32_t value_copy_bytes;  // bytes from copy 0 to copy 1: value_words * 8, line-aligned
  std::uint32_t ring_slot_count;   // power of two
  std::uint32_t ring_slot_size;    // power of two, bytes
  std::uint32_t directory_bytes;   // bytes of one directory buffer, its header included
  SectionEntry sections[kMaxSections];
  // 2.1: the broker's request socket for per-process counters (docs/PROCESS_COUNTERS.md), a
  // NUL-terminated AF_UNIX path; all zero when the broker serves no requests (and in 2.0).
  char request_socket[kRequestSocketChars];
  std::uint8_t pad0[512 - 96 - kMaxSections * sizeof(SectionEntry) - kRequestSocketChars];
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
  Word ring_deltas_total;              // deltas and instance events published, all batches
  Word ring_bytes_total;               // FlatBuffer bytes published, all batches
  Word ring_split_ticks;               // ticks whose deltas needed more than one slot
  std::uint8_t pad3[kCacheLine - 32];
  // The latch over the value table: copy (values_seq & 1) is the one to read (latch.hpp).
  alignas(kCacheLine) Word values_seq;
  std::uint8_t pad4[kCacheLine - 8];
  // The instance directory: buffer (generation & 1) holds generation `generation`. A reader
  // learns in one load that instances came or went.
  alignas(kCacheLine) Word directory_generation;
  Word instances_unpublished;  // instances seen but not published: their domain's pool was full
  Word instances_added;        // instance registrations so far
  Word instances_removed;      // instances gone so far
  std::uint8_t pad5[1024 - 768 - 32];
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
static_assert(offsetof(HeaderFixed, value_words) == 76);
static_assert(offsetof(HeaderFixed, value_copy_bytes) == 80);
static_assert(offsetof(HeaderFixed, ring_slot_count) == 84);
static_assert(offsetof(HeaderFixed, ring_slot_size) == 88);
static_assert(offsetof(HeaderFixed, directory_bytes) == 92);
static_assert(offsetof(HeaderFixed, sections) == 96);
static_assert(offsetof(HeaderFixed, request_socket) == 288);
static_assert(offsetof(Header, state) == 512);
static_assert(offsetof(Header, heartbeat_ns) == 576);
static_assert(offsetof(Header, tick_count) == 584);
static_assert(offsetof(Header, ring_head) == 640);
static_assert(offsetof(Header, ring_deltas_total) == 648);
static_assert(offsetof(Header, ring_bytes_total) == 656);
static_assert(offsetof(Header, ring_split_ticks) == 664);
static_assert(offsetof(Header, values_seq) == 704);
static_assert(offsetof(Header, directory_generation) == 768);
static_assert(offsetof(Header, instances_unpublished) == 776);
static_assert(offsetof(Header, instances_added) == 784);
static_assert(offsetof(Header, instances_removed) == 792);
static_assert(sizeof(Header) == 1024);

// ---- Value table: two copies of `value_words` words under the latch `values_seq` ----
//
// One copy, in words (every offset is published in the descriptor table and checked by readers):
//
//   registrations  one word per row of each instance domain (DescriptorTable.domains):
//                  kRegistrationLive | registration number while the row holds a live instance
//   columns        one per metric family (MetricDescriptor.column), in registry order:
//                  [read_time_ns] [cell row 0] [cell row 1] ... [cell row capacity-1]
//   cell           [meta] [payload: 1 word scalar, 3 words counter, 13 words string]
//
// A scalar family (domain None) has one row, so its column is [read_time_ns][meta][value]. All
// cells of a column are written by one refresh of its source, hence one read time per column.
// A reader holding a handle to (family, row) checks the row's registration word in the same
// latch read as the value: a removed instance reads as gone, a reused row as gone too, never as
// another instance's value.
enum class SlotStatus : std::uint8_t {
  kEmpty = 0,        // not read yet
  kOk = 1,           // payload holds the value read at the column's read_time_ns
  kUnavailable = 2,  // the source does not exist on this machine (or for this instance)
  kReadError = 3,    // the source exists but the last read failed
};

inline constexpr std::size_t kPayloadWords = 13;                   // the largest payload: a string
inline constexpr std::size_t kMaxStringBytes = kPayloadWords * 8;  // 104
// Counter payload: [0] count, [1] time enabled (ns), [2] time running (ns).
inline constexpr std::uint32_t kCounterBytes = 3 * 8;
inline constexpr std::uint32_t kMaxValueWords = 1u << 25;  // 256 MiB a copy: far past any machine
inline constexpr std::uint32_t kMaxDomainRows = 1u << 20;  // rows of one instance domain
inline constexpr std::uint64_t kRegistrationLive = 1ULL << 63;
inline constexpr std::uint64_t kRegistrationMask = kRegistrationLive - 1;

// ValueType codes that shape a cell (types.fbs: 4 String, 5 Counter; the rest one word).
inline constexpr std::uint8_t kTypeString = 4;
inline constexpr std::uint8_t kTypeCounter = 5;

// Words of one cell of a family of `value_type`: the meta word plus the payload.
constexpr std::uint32_t cell_words(std::uint8_t value_type) {
  return value_type == kTypeString ? 1 + kPayloadWords : value_type == kTypeCounter ? 1 + 3 : 1 + 1;
}
// Words of one column: its read time plus one cell per row.
constexpr std::uint64_t column_words(std::uint32_t rows, std::uint32_t cell_words) {
  return 1 + std::uint64_t{rows} * cell_words;
}
// The one place a cell's address is computed, by the broker and every reader: the word offset of
// row `row`'s meta word in a column that starts at `column` (its read-time word).
constexpr std::uint64_t cell_offset(std::uint32_t column, std::uint32_t row,
                                    std::uint32_t cell_words) {
  return std::uint64_t{column} + 1 + std::uint64_t{row} * cell_words;
}
// Bytes from copy 0 to copy 1: whole cache lines, so the copies never share one.
constexpr std::uint64_t value_copy_bytes(std::uint64_t value_words) {
  return (value_words * kWordBytes + kCacheLine - 1) / kCacheLine * kCacheLine;
}

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

// ---- Instance directory: two buffers of `directory_bytes` bytes ----
// Buffer (g & 1) holds the InstanceDirectory FlatBuffer of generation g: the broker writes
// generation g+1 into the other buffer, then release-stores directory_generation = g+1. A reader
// acquires g, copies buffer g & 1 and accepts the copy if directory_generation is still g
// afterwards (the broker only touches that buffer again when it writes generation g+2).
struct DirectoryBufferHeader {
  Word length;      // FlatBuffer bytes after this header
  Word generation;  // the generation the bytes belong to
};
static_assert(sizeof(DirectoryBufferHeader) == 16);
inline constexpr std::uint32_t kMinDirectoryBytes = 4096;
inline constexpr std::uint32_t kMaxDirectoryBytes = 64u << 20;
// Byte offset, within the directory section, of the buffer that holds `generation`.
constexpr std::uint64_t directory_buffer_offset(std::uint64_t generation,
                                                std::uint32_t directory_bytes) {
  return (generation & 1) * std::uint64_t{directory_bytes};
}

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
// Byte offset, within the ring section, of the slot that holds batch `position`.
constexpr std::uint64_t ring_slot_offset(std::uint64_t position, std::uint32_t slot_count,
                                         std::uint32_t slot_size) {
  return (position & (slot_count - 1)) * std::uint64_t{slot_size};
}

}  // namespace sysring::layout
