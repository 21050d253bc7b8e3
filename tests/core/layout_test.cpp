// The segment's byte layout: sizes and offsets at runtime (not only the static_asserts), a
// byte-level check that a field written through the struct lands at its documented offset and
// nowhere else, meta packing, and the lock-freedom the cross-process protocol relies on.

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core_support.hpp"
#include "sysring/client.hpp"
#include "sysring/layout.hpp"

namespace sysring {
namespace {

using layout::Header;
using layout::HeaderFixed;
using layout::RingSlotHeader;
using layout::SlotStatus;

static_assert(std::endian::native == std::endian::little,
              "the segment is little-endian; these byte checks assume a little-endian host");

// A zeroed, suitably aligned buffer holding one T, constructed in place.
template <class T>
struct Arena {
  alignas(64) std::array<std::uint8_t, sizeof(T)> bytes{};
  T* object = nullptr;
  Arena() {
    bytes.fill(0);
    object = new (bytes.data()) T;
    bytes.fill(0);  // C++20 atomics value-initialise; start from all zero either way
  }
};

// Writes `value` through `store` and checks that exactly bytes [offset, offset + width) changed,
// holding `value` little-endian.
template <class T>
void expect_lands_at(const char* field, std::size_t offset, std::size_t width, std::uint64_t value,
                     const std::function<void(T&)>& store) {
  Arena<T> arena;
  store(*arena.object);
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    const std::uint8_t expected = (i >= offset && i < offset + width)
                                      ? static_cast<std::uint8_t>(value >> (8 * (i - offset)))
                                      : 0;
    ASSERT_EQ(arena.bytes[i], expected) << field << ": byte " << i << " (documented offset "
                                        << offset << ", width " << width << ")";
  }
}

// Reverse direction: bytes placed at the documented offset read back through the struct.
template <class T>
std::uint64_t read_after_poke(std::size_t offset, std::size_t width, std::uint64_t value,
                              const std::function<std::uint64_t(const T&)>& load) {
  Arena<T> arena;
  std::memcpy(arena.bytes.data() + offset, &value, width);
  return load(*arena.object);
}

constexpr std::uint64_t kPattern = 0x8877665544332211ULL;

TEST(Layout, SizesAtRuntime) {
  EXPECT_EQ(sizeof(layout::SectionEntry), 24u);
  EXPECT_EQ(sizeof(HeaderFixed), 512u);
  EXPECT_EQ(sizeof(Header), 1024u);
  EXPECT_EQ(sizeof(layout::DirectoryBufferHeader), 16u);
  EXPECT_EQ(sizeof(RingSlotHeader), 32u);
  EXPECT_EQ(sizeof(layout::Word), 8u);
  EXPECT_EQ(alignof(layout::Word), 8u);
  EXPECT_EQ(alignof(Header), layout::kCacheLine);
  EXPECT_EQ(layout::kMaxStringBytes, layout::kPayloadWords * 8);
  // Ring slots hold whole words after their header.
  EXPECT_EQ(layout::kMinRingSlotSize % 8, 0u);
  EXPECT_GT(layout::kMinRingSlotSize, sizeof(RingSlotHeader));
}

TEST(Layout, HeaderOffsetsByAddress) {
  Arena<Header> arena;
  const auto* base = arena.bytes.data();
  const auto at = [&](const void* field) {
    return static_cast<std::size_t>(static_cast<const std::uint8_t*>(field) - base);
  };
  const Header& h = *arena.object;
  EXPECT_EQ(at(&h.fixed), 0u);
  EXPECT_EQ(at(&h.fixed.magic), 0u);
  EXPECT_EQ(at(&h.fixed.major), 8u);
  EXPECT_EQ(at(&h.fixed.minor), 10u);
  EXPECT_EQ(at(&h.fixed.header_size), 12u);
  EXPECT_EQ(at(&h.fixed.total_size), 16u);
  EXPECT_EQ(at(&h.fixed.schema_hash), 24u);
  EXPECT_EQ(at(&h.fixed.epoch), 32u);
  EXPECT_EQ(at(&h.fixed.broker_pid), 40u);
  EXPECT_EQ(at(&h.fixed.broker_uid), 44u);
  EXPECT_EQ(at(&h.fixed.tick_period_ns), 48u);
  EXPECT_EQ(at(&h.fixed.start_mono_ns), 56u);
  EXPECT_EQ(at(&h.fixed.start_real_ns), 64u);
  EXPECT_EQ(at(&h.fixed.section_count), 72u);
  EXPECT_EQ(at(&h.fixed.value_words), 76u);
  EXPECT_EQ(at(&h.fixed.value_copy_bytes), 80u);
  EXPECT_EQ(at(&h.fixed.ring_slot_count), 84u);
  EXPECT_EQ(at(&h.fixed.ring_slot_size), 88u);
  EXPECT_EQ(at(&h.fixed.directory_bytes), 92u);
  EXPECT_EQ(at(&h.fixed.sections[0]), 96u);
  EXPECT_EQ(at(&h.fixed.sections[layout::kMaxSections - 1]), 96u + 7 * 24u);
  EXPECT_EQ(at(&h.fixed.sections[1].offset), 96u + 24u + 8u);
  EXPECT_EQ(at(&h.fixed.sections[1].size), 96u + 24u + 16u);
  EXPECT_EQ(at(&h.state), 512u);
  EXPECT_EQ(at(&h.heartbeat_ns), 576u);
  EXPECT_EQ(at(&h.tick_count), 584u);
  EXPECT_EQ(at(&h.ring_head), 640u);
  EXPECT_EQ(at(&h.ring_deltas_total), 648u);
  EXPECT_EQ(at(&h.ring_bytes_total), 656u);
  EXPECT_EQ(at(&h.ring_split_ticks), 664u);
  EXPECT_EQ(at(&h.values_seq), 704u);
  EXPECT_EQ(at(&h.directory_generation), 768u);
  EXPECT_EQ(at(&h.instances_unpublished), 776u);
  EXPECT_EQ(at(&h.instances_added), 784u);
  EXPECT_EQ(at(&h.instances_removed), 792u);
  // The latch and the directory generation are written every tick and read by every client:
  // each on a line of its own.
  EXPECT_EQ(at(&h.values_seq) % layout::kCacheLine, 0u);
  EXPECT_EQ(at(&h.directory_generation) % layout::kCacheLine, 0u);
  // Every mutable group sits on a cache line of its own, away from the immutable part.
  EXPECT_EQ(at(&h.state) % layout::kCacheLine, 0u);
  EXPECT_EQ(at(&h.heartbeat_ns) % layout::kCacheLine, 0u);
  EXPECT_EQ(at(&h.ring_head) % layout::kCacheLine, 0u);
  EXPECT_NE(at(&h.state) / layout::kCacheLine, at(&h.heartbeat_ns) / layout::kCacheLine);
  EXPECT_NE(at(&h.heartbeat_ns) / layout::kCacheLine, at(&h.ring_head) / layout::kCacheLine);
}

TEST(Layout, HeaderFieldsLandAtDocumentedBytes) {
  using H = Header;
  expect_lands_at<H>("magic", 0, 8, layout::kMagic, [](H& h) { h.fixed.magic = layout::kMagic; });
  expect_lands_at<H>("major", 8, 2, 0xA1B2, [](H& h) { h.fixed.major = 0xA1B2; });
  expect_lands_at<H>("minor", 10, 2, 0xC3D4, [](H& h) { h.fixed.minor = 0xC3D4; });
  expect_lands_at<H>("header_size", 12, 4, 0x11223344,
                     [](H& h) { h.fixed.header_size = 0x11223344; });
  expect_lands_at<H>("total_size", 16, 8, kPattern, [](H& h) { h.fixed.total_size = kPattern; });
  expect_lands_at<H>("schema_hash", 24, 8, kPattern, [](H& h) { h.fixed.schema_hash = kPattern; });
  expect_lands_at<H>("epoch", 32, 8, kPattern, [](H& h) { h.fixed.epoch = kPattern; });
  expect_lands_at<H>("broker_pid", 40, 4, 0x01020304,
                     [](H& h) { h.fixed.broker_pid = 0x01020304; });
  expect_lands_at<H>("broker_uid", 44, 4, 0x05060708,
                     [](H& h) { h.fixed.broker_uid = 0x05060708; });
  expect_lands_at<H>("tick_period_ns", 48, 8, kPattern,
                     [](H& h) { h.fixed.tick_period_ns = kPattern; });
  expect_lands_at<H>("start_mono_ns", 56, 8, kPattern,
                     [](H& h) { h.fixed.start_mono_ns = kPattern; });
  expect_lands_at<H>("start_real_ns", 64, 8, kPattern,
                     [](H& h) { h.fixed.start_real_ns = kPattern; });
  expect_lands_at<H>("section_count", 72, 4, 0x0A0B0C0D,
                     [](H& h) { h.fixed.section_count = 0x0A0B0C0D; });
  expect_lands_at<H>("value_words", 76, 4, 0x0E0F1011,
                     [](H& h) { h.fixed.value_words = 0x0E0F1011; });
  expect_lands_at<H>("value_copy_bytes", 80, 4, 0x12131415,
                     [](H& h) { h.fixed.value_copy_bytes = 0x12131415; });
  expect_lands_at<H>("ring_slot_count", 84, 4, 0x16171819,
                     [](H& h) { h.fixed.ring_slot_count = 0x16171819; });
  expect_lands_at<H>("ring_slot_size", 88, 4, 0x1A1B1C1D,
                     [](H& h) { h.fixed.ring_slot_size = 0x1A1B1C1D; });
  expect_lands_at<H>("directory_bytes", 92, 4, 0x1E1F2021,
                     [](H& h) { h.fixed.directory_bytes = 0x1E1F2021; });
  for (std::size_t i = 0; i < layout::kMaxSections; ++i) {
    const std::size_t entry = 96 + i * 24;
    expect_lands_at<H>("sections[i].kind", entry + 0, 4, 0xCAFE0000u + i, [i](H& h) {
      h.fixed.sections[i].kind = static_cast<std::uint32_t>(0xCAFE0000u + i);
    });
    expect_lands_at<H>("sections[i].offset", entry + 8, 8, kPattern + i,
                       [i](H& h) { h.fixed.sections[i].offset = kPattern + i; });
    expect_lands_at<H>("sections[i].size", entry + 16, 8, ~kPattern - i,
                       [i](H& h) { h.fixed.sections[i].size = ~kPattern - i; });
  }
  const auto rel = std::memory_order_release;
  expect_lands_at<H>("state", 512, 8, kPattern, [&](H& h) { h.state.store(kPattern, rel); });
  expect_lands_at<H>("heartbeat_ns", 576, 8, kPattern,
                     [&](H& h) { h.heartbeat_ns.store(kPattern, rel); });
  expect_lands_at<H>("tick_count", 584, 8, kPattern,
                     [&](H& h) { h.tick_count.store(kPattern, rel); });
  expect_lands_at<H>("ring_head", 640, 8, kPattern,
                     [&](H& h) { h.ring_head.store(kPattern, rel); });
  expect_lands_at<H>("values_seq", 704, 8, kPattern,
                     [&](H& h) { h.values_seq.store(kPattern, rel); });
  expect_lands_at<H>("directory_generation", 768, 8, kPattern,
                     [&](H& h) { h.directory_generation.store(kPattern, rel); });
  expect_lands_at<H>("instances_unpublished", 776, 8, kPattern,
                     [&](H& h) { h.instances_unpublished.store(kPattern, rel); });
  expect_lands_at<H>("ring_deltas_total", 648, 8, kPattern,
                     [&](H& h) { h.ring_deltas_total.store(kPattern, rel); });
  expect_lands_at<H>("ring_bytes_total", 656, 8, kPattern,
                     [&](H& h) { h.ring_bytes_total.store(kPattern, rel); });
  expect_lands_at<H>("ring_split_ticks", 664, 8, kPattern,
                     [&](H& h) { h.ring_split_ticks.store(kPattern, rel); });
}

TEST(Layout, HeaderBytesReadBackThroughStruct) {
  using H = Header;
  const auto acq = std::memory_order_acquire;
  EXPECT_EQ(read_after_poke<H>(0, 8, layout::kMagic, [](const H& h) { return h.fixed.magic; }),
            layout::kMagic);
  EXPECT_EQ(
      read_after_poke<H>(8, 2, 0x1234, [](const H& h) -> std::uint64_t { return h.fixed.major; }),
      0x1234u);
  EXPECT_EQ(read_after_poke<H>(84, 4, 0x100,
                               [](const H& h) -> std::uint64_t { return h.fixed.ring_slot_count; }),
            0x100u);
  EXPECT_EQ(read_after_poke<H>(512, 8, 2, [&](const H& h) { return h.state.load(acq); }), 2u);
  EXPECT_EQ(read_after_poke<H>(640, 8, kPattern, [&](const H& h) { return h.ring_head.load(acq); }),
            kPattern);
}

TEST(Layout, MagicSpellsSysring) {
  Arena<HeaderFixed> arena;
  arena.object->magic = layout::kMagic;
  EXPECT_EQ(std::memcmp(arena.bytes.data(), "SYSRING\0", 8), 0);
}

// The value table's address arithmetic, the one place readers and the broker share.
TEST(Layout, CellAndColumnArithmetic) {
  EXPECT_EQ(layout::cell_words(1), 2u) << "u64: meta + value";
  EXPECT_EQ(layout::cell_words(2), 2u);
  EXPECT_EQ(layout::cell_words(3), 2u);
  EXPECT_EQ(layout::cell_words(layout::kTypeCounter), 4u) << "meta + count, enabled, running";
  EXPECT_EQ(layout::cell_words(layout::kTypeString), 14u) << "meta + 104 bytes";
  EXPECT_EQ(layout::column_words(1, 2), 3u) << "a scalar: read time, meta, value";
  EXPECT_EQ(layout::column_words(8, 4), 33u);
  // Row r's cell of a column at word c starts after the read-time word.
  EXPECT_EQ(layout::cell_offset(100, 0, 2), 101u);
  EXPECT_EQ(layout::cell_offset(100, 3, 2), 107u);
  EXPECT_EQ(layout::cell_offset(100, 3, 4), 113u);
  EXPECT_EQ(layout::cell_offset(0xFFFFFFFFu, 0xFFFFFu, 14), 0xFFFFFFFFull + 1 + 0xFFFFFull * 14)
      << "no 32-bit overflow";
  // The copies start on cache lines: one publish never shares a line between them.
  EXPECT_EQ(layout::value_copy_bytes(1), 64u);
  EXPECT_EQ(layout::value_copy_bytes(8), 64u);
  EXPECT_EQ(layout::value_copy_bytes(9), 128u);
  EXPECT_EQ(layout::ring_slot_offset(5, 4, 1024), 1024u);
  EXPECT_EQ(layout::directory_buffer_offset(3, 4096), 4096u);
  EXPECT_EQ(layout::directory_buffer_offset(4, 4096), 0u);
}

TEST(Layout, DirectoryBufferHeaderFieldsLandAtDocumentedBytes) {
  using D = layout::DirectoryBufferHeader;
  const auto rel = std::memory_order_relaxed;
  expect_lands_at<D>("length", 0, 8, kPattern, [&](D& d) { d.length.store(kPattern, rel); });
  expect_lands_at<D>("generation", 8, 8, kPattern,
                     [&](D& d) { d.generation.store(kPattern, rel); });
}

TEST(Layout, RingSlotHeaderFieldsLandAtDocumentedBytes) {
  using R = RingSlotHeader;
  const auto rel = std::memory_order_relaxed;
  expect_lands_at<R>("seq", 0, 8, kPattern, [&](R& r) { r.seq.store(kPattern, rel); });
  expect_lands_at<R>("position", 8, 8, kPattern, [&](R& r) { r.position.store(kPattern, rel); });
  expect_lands_at<R>("length", 16, 8, kPattern, [&](R& r) { r.length.store(kPattern, rel); });
  expect_lands_at<R>("reserved", 24, 8, kPattern, [&](R& r) { r.reserved.store(kPattern, rel); });
}

TEST(Layout, MetaPackingDocumentedBits) {
  // bits 0..31 length, 32..39 type, 40..47 status.
  EXPECT_EQ(layout::pack_meta(SlotStatus::kOk, 4, 8), 0x0000'0104'0000'0008ULL);
  EXPECT_EQ(layout::pack_meta(SlotStatus::kReadError, 0xFF, 0xFFFF'FFFFu),
            0x0000'03FF'FFFF'FFFFULL);
  EXPECT_EQ(layout::pack_meta(SlotStatus::kEmpty, 0, 0), 0u);
  EXPECT_EQ(layout::pack_meta(SlotStatus::kUnavailable, 1, 0), 0x0000'0201'0000'0000ULL);
  // Nothing above bit 47 is ever set.
  EXPECT_EQ(layout::pack_meta(static_cast<SlotStatus>(0xFF), 0xFF, 0xFFFF'FFFFu) >> 48, 0u);
}

TEST(Layout, MetaPackingRoundTrips) {
  const SlotStatus statuses[] = {SlotStatus::kEmpty, SlotStatus::kOk, SlotStatus::kUnavailable,
                                 SlotStatus::kReadError, static_cast<SlotStatus>(0xFF)};
  const std::uint8_t types[] = {0, 1, 2, 3, 4, 0x7F, 0x80, 0xFF};
  const std::uint32_t lengths[] = {0,   1,   7,           8,           9,          103,
                                   104, 105, 0x7FFF'FFFF, 0x8000'0000, 0xFFFF'FFFF};
  int checked = 0;
  for (const SlotStatus s : statuses) {
    for (const std::uint8_t t : types) {
      for (const std::uint32_t len : lengths) {
        const std::uint64_t meta = layout::pack_meta(s, t, len);
        ASSERT_EQ(layout::meta_status(meta), s);
        ASSERT_EQ(layout::meta_type(meta), t);
        ASSERT_EQ(layout::meta_length(meta), len);
        ++checked;
      }
    }
  }
  EXPECT_EQ(checked, 5 * 8 * 11);
  // Fields are independent: changing one leaves the others' bits alone.
  const std::uint64_t a = layout::pack_meta(SlotStatus::kOk, 3, 100);
  const std::uint64_t b = layout::pack_meta(SlotStatus::kOk, 3, 101);
  EXPECT_EQ(a ^ b, 100u ^ 101u);
}

TEST(Layout, WordIsLockFree) {
  static_assert(layout::Word::is_always_lock_free);
  layout::Word w{0};
  EXPECT_TRUE(w.is_lock_free());
  EXPECT_TRUE(std::atomic_is_lock_free(&w));
  EXPECT_EQ(sizeof(layout::Word), sizeof(std::uint64_t));
  // Address-free in practice: the object is exactly its 8 value bytes.
  w.store(kPattern);
  std::uint64_t raw = 0;
  std::memcpy(&raw, &w, 8);
  EXPECT_EQ(raw, kPattern);
}

TEST(Layout, PowerOfTwo) {
  EXPECT_FALSE(layout::is_power_of_two(0));
  EXPECT_TRUE(layout::is_power_of_two(1));
  EXPECT_TRUE(layout::is_power_of_two(1024));
  EXPECT_FALSE(layout::is_power_of_two(1023));
  EXPECT_FALSE(layout::is_power_of_two(1025));
  EXPECT_TRUE(layout::is_power_of_two(1ULL << 63));
  EXPECT_FALSE(layout::is_power_of_two((1ULL << 63) + 1));
}

// The broker side of the macOS name limit (31 characters with the '/', PSHMNAMLEN): the
// segment writer itself refuses a longer name on every platform, before any shm_open, so a name
// that works on Linux works on a Mac too. (The client side: validation_test.)
TEST(Layout, SegmentWriterRefusesNamesOverTheMacOsLimit) {
  coretest::SegmentSpec spec;
  std::string name = coretest::unique_segment_name("nm");
  name.resize(layout::kMaxNameChars, 'x');
  spec.name = name + "x";  // 32 characters
  try {
    (void)coretest::make_segment(spec);
    ADD_FAILURE() << "a 32-character segment name was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidName) << e.what();
  }
  spec.name = name;  // 31 characters: accepted
  auto segment = coretest::make_segment(spec);
  segment->go_live();
  EXPECT_EQ(Client::open(coretest::open_options(spec.name)).info().total_size % 16384, 0u);
}

// The segment SegmentWriter builds, seen as raw bytes through a client's read-only mapping.
TEST(Layout, RealSegmentBytesMatchTheDocumentedLayout) {
  coretest::SegmentSpec spec;
  spec.name = coretest::unique_segment_name("lay");
  spec.ring_slot_count = 8;
  spec.ring_slot_size = 2048;
  auto segment = coretest::make_segment(spec);
  segment->go_live();
  const Client client = Client::open(coretest::open_options(spec.name));
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(&client.live_header());
  const auto u16 = [&](std::size_t off) {
    std::uint16_t v;
    std::memcpy(&v, bytes + off, 2);
    return v;
  };
  const auto u32 = [&](std::size_t off) {
    std::uint32_t v;
    std::memcpy(&v, bytes + off, 4);
    return v;
  };
  const auto u64 = [&](std::size_t off) {
    std::uint64_t v;
    std::memcpy(&v, bytes + off, 8);
    return v;
  };
  const SegmentInfo info = client.info();
  EXPECT_EQ(std::memcmp(bytes, "SYSRING\0", 8), 0);
  EXPECT_EQ(u16(8), layout::kMajorVersion);
  EXPECT_EQ(u16(10), layout::kMinorVersion);
  EXPECT_EQ(u32(12), 1024u);
  EXPECT_EQ(u64(16), info.total_size);
  EXPECT_EQ(u64(24), registry::kSchemaHash);
  EXPECT_EQ(u64(32), info.epoch);
  EXPECT_NE(u64(32), 0u);
  EXPECT_EQ(u32(40), static_cast<std::uint32_t>(::getpid()));
  EXPECT_EQ(u32(44), static_cast<std::uint32_t>(::geteuid()));
  EXPECT_EQ(u64(48), spec.tick_period_ns);
  EXPECT_EQ(u32(72), 4u);
  EXPECT_EQ(u32(76), segment->layout().words());
  EXPECT_EQ(u32(80), layout::value_copy_bytes(segment->layout().words()));
  EXPECT_EQ(u32(84), 8u);
  EXPECT_EQ(u32(88), 2048u);
  EXPECT_EQ(u32(92), spec.directory_bytes);
  EXPECT_EQ(u64(512), static_cast<std::uint64_t>(layout::BrokerState::kLive));

  // Sections: inside the object, past the header, cache-line aligned, non-overlapping, sized.
  // total_size must match the object size the client validated; a multiple of 16 KiB because
  // macOS on arm64 rounds a shm object's size (and st_size) up to its pages.
  EXPECT_EQ(info.total_size % 16384, 0u);
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;
  for (std::uint32_t i = 0; i < 4; ++i) {
    const std::size_t e = 96 + i * 24;
    const std::uint32_t kind = u32(e);
    const std::uint64_t off = u64(e + 8);
    const std::uint64_t size = u64(e + 16);
    EXPECT_GE(off, 1024u);
    EXPECT_EQ(off % layout::kCacheLine, 0u);
    EXPECT_LE(off, info.total_size);
    EXPECT_LE(size, info.total_size - off);
    if (kind == static_cast<std::uint32_t>(layout::SectionKind::kValues)) {
      EXPECT_EQ(size, 2 * layout::value_copy_bytes(segment->layout().words()));
    } else if (kind == static_cast<std::uint32_t>(layout::SectionKind::kDirectory)) {
      EXPECT_EQ(size, 2u * spec.directory_bytes);
    } else if (kind == static_cast<std::uint32_t>(layout::SectionKind::kRing)) {
      EXPECT_EQ(size, 8u * 2048u);
      // Ring slot k of the client's view is at ring offset + k * slot size.
      for (std::uint64_t k = 0; k < 8; ++k) {
        const auto* slot = reinterpret_cast<const std::uint8_t*>(&client.ring_slot(k + 8));
        EXPECT_EQ(static_cast<std::uint64_t>(slot - bytes), off + k * 2048u);
      }
    } else {
      EXPECT_EQ(kind, static_cast<std::uint32_t>(layout::SectionKind::kDescriptors));
      EXPECT_GT(size, 0u);
    }
    spans.emplace_back(off, size);
  }
  std::sort(spans.begin(), spans.end());
  for (std::size_t i = 1; i < spans.size(); ++i) {
    EXPECT_GE(spans[i].first, spans[i - 1].first + spans[i - 1].second) << "sections overlap";
  }
}

}  // namespace
}  // namespace sysring
