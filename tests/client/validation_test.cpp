// Invariant 3 (the segment is untrusted input) and the client half of invariant 6 (owner and
// mode checks): a corpus of bad segments, each written byte for byte into a shared-memory object
// this test creates, must be refused by Client::open with the right ErrorCode and a one-line
// message, never a crash. A deterministic fuzz loop (run it under ASan) covers the rest.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "instances/instance_table.hpp"
#include "instances_generated.h"
#include "segment_fixture.hpp"
#include "sysring/client.hpp"
#include "sysring/error.hpp"
#include "sysring/ring_follower.hpp"

namespace sysring {
namespace {

using layout::HeaderFixed;
using layout::SectionKind;
using test::peek;
using test::poke;
using test::section_field;
using test::section_index;

constexpr uid_t kNobody = 65534;

const char* code_name(ErrorCode c) {
  switch (c) {
    case ErrorCode::kInvalidName:
      return "kInvalidName";
    case ErrorCode::kNotFound:
      return "kNotFound";
    case ErrorCode::kPermission:
      return "kPermission";
    case ErrorCode::kForeignOwner:
      return "kForeignOwner";
    case ErrorCode::kInsecureMode:
      return "kInsecureMode";
    case ErrorCode::kBadSegment:
      return "kBadSegment";
    case ErrorCode::kVersion:
      return "kVersion";
    case ErrorCode::kNotLive:
      return "kNotLive";
    case ErrorCode::kBrokerRunning:
      return "kBrokerRunning";
    case ErrorCode::kSystem:
      return "kSystem";
  }
  return "?";
}

// Opens and requires sysring::Error with `code`, a non-empty one-line message, and (if given) a
// keyword in it that names the check that fired. Returns the message.
std::string expect_open_error(const OpenOptions& options, ErrorCode code,
                              std::string_view keyword = {}) {
  try {
    Client client = Client::open(options);
    ADD_FAILURE() << "open(" << options.name << ") succeeded, expected " << code_name(code);
    return {};
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(code_name(e.code()), std::string(code_name(code))) << "message: " << message;
    EXPECT_FALSE(message.empty());
    EXPECT_EQ(message.find('\n'), std::string::npos) << "multi-line message: " << message;
    if (!keyword.empty()) {
      EXPECT_NE(message.find(keyword), std::string::npos)
          << "message does not mention '" << keyword << "': " << message;
    }
    return message;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "open threw a non-sysring exception: " << e.what();
  } catch (...) {
    ADD_FAILURE() << "open threw something that is not std::exception";
  }
  return {};
}

OpenOptions options_for(const std::string& name) {
  OpenOptions o;
  o.name = name;
  return o;
}

class Validation : public ::testing::Test {
 protected:
  // One valid, live segment made by the broker's own writer; its bytes are the corpus seed.
  static void SetUpTestSuite() {
    const std::string name = test::unique_name("srv-seed");
    const auto table = test::descriptor_table();
    auto writer = test::make_writer(name, table);
    writer.go_live();
    seed_ = new std::vector<std::uint8_t>(test::read_object(name));
    writer.close();  // CLOSED and the name removed
  }
  static void TearDownTestSuite() {
    delete seed_;
    seed_ = nullptr;
  }

  // Writes `bytes` under a fresh name removed at the end of the test.
  std::string put(const std::vector<std::uint8_t>& bytes, mode_t mode = 0644) {
    names_.push_back(std::make_unique<test::ShmName>(test::unique_name("srv")));
    test::write_object(names_.back()->str(), bytes, mode);
    return names_.back()->str();
  }
  std::string adopt(std::string name) {
    names_.push_back(std::make_unique<test::ShmName>(std::move(name)));
    return names_.back()->str();
  }

  std::vector<std::uint8_t> image() const { return *seed_; }
  static HeaderFixed seed_header() { return test::header_of(*seed_); }

  void expect_bad(const std::vector<std::uint8_t>& bytes, ErrorCode code,
                  std::string_view keyword = {}) {
    expect_open_error(options_for(put(bytes)), code, keyword);
  }

  static std::vector<std::uint8_t>* seed_;
  std::vector<std::unique_ptr<test::ShmName>> names_;
};
std::vector<std::uint8_t>* Validation::seed_ = nullptr;

// ---- The control: the writer's segment and a byte copy of it both open ----

TEST_F(Validation, WriterSegmentOpensAndDescribesEveryRegistryEntry) {
  const std::string name = adopt(test::unique_name("srv-live"));
  const auto table = test::descriptor_table();
  auto writer = test::make_writer(name, table);
  writer.go_live();
  Client client = Client::open(options_for(name));
  EXPECT_EQ(client.descriptors().size(), registry::kEntries.size());
  EXPECT_EQ(client.domains().size(), kDomainCount);
  EXPECT_EQ(client.instances()->instances.size(), 0u) << "an empty directory, generation 1";
  ASSERT_TRUE(client.find("mem.total").has_value());
  EXPECT_EQ(*client.find("mem.total"), MetricId::mem_total);
  EXPECT_FALSE(client.find("no.such.metric").has_value());
  EXPECT_EQ(client.platform(), "linux");
  const SegmentInfo info = client.info();
  EXPECT_TRUE(info.schema_matches);
  EXPECT_EQ(info.broker_pid, static_cast<std::uint32_t>(::getpid()));
  EXPECT_NE(info.epoch, 0u);
  EXPECT_EQ(client.health(), BrokerHealth::kAlive);
}

TEST_F(Validation, ByteCopyOfAValidSegmentOpens) {
  // Without this control every corruption below could "pass" for an unrelated reason.
  const std::string name = put(image());
  Client client = Client::open(options_for(name));
  EXPECT_EQ(client.descriptors().size(), registry::kEntries.size());
  EXPECT_EQ(client.info().epoch, seed_header().epoch);
  EXPECT_EQ(client.info().total_size, image().size());
}

TEST_F(Validation, NewerMinorVersionAndUnknownExtraSectionAreAccepted) {
  auto bytes = image();
  poke<std::uint16_t>(bytes, offsetof(HeaderFixed, minor), layout::kMinorVersion + 5);
  // An additional section of a kind this library does not know, inside the object.
  const HeaderFixed h = seed_header();
  ASSERT_LT(h.section_count, layout::kMaxSections);
  const std::size_t i = h.section_count;
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, section_count), h.section_count + 1);
  // Placed in the padding between the descriptors and the value table.
  const layout::SectionEntry& d = h.sections[section_index(bytes, SectionKind::kDescriptors)];
  const layout::SectionEntry& v = h.sections[section_index(bytes, SectionKind::kValues)];
  const std::uint64_t extra = (d.offset + d.size + 63) / 64 * 64;
  ASSERT_LE(extra + 64, v.offset) << "no padding to place an extra section in";
  poke<std::uint32_t>(bytes, section_field(i, test::kSecKind), 77);
  poke<std::uint64_t>(bytes, section_field(i, test::kSecOffset), extra);
  poke<std::uint64_t>(bytes, section_field(i, test::kSecSize), 64);
  Client client = Client::open(options_for(put(bytes)));
  EXPECT_EQ(client.info().minor, layout::kMinorVersion + 5);
}

// ---- Truncation ----

TEST_F(Validation, EmptyObjectIsASegmentBeingCreatedNotACorruptOne) {
  // SegmentWriter::create makes the object empty under its final name, then sizes it: a client
  // that opens it then must be told to try again (kNotLive), not that the segment is corrupt.
  expect_open_error(options_for(put({})), ErrorCode::kNotLive, "creating");
  OpenOptions o = options_for(put({}));
  o.require_live = false;  // not a segment one can read in any state yet
  expect_open_error(o, ErrorCode::kNotLive, "creating");
}

TEST_F(Validation, ObjectSmallerThanTheHeaderIsRefused) {
  auto bytes = image();
  bytes.resize(100);
  expect_bad(bytes, ErrorCode::kBadSegment, "truncated");
  bytes = image();
  bytes.resize(sizeof(layout::Header) - 1);
  expect_bad(bytes, ErrorCode::kBadSegment, "truncated");
}

TEST_F(Validation, HeaderOnlyIsRefused) {
  auto bytes = image();
  bytes.resize(sizeof(layout::Header));
  expect_bad(bytes, ErrorCode::kBadSegment, "bytes");  // total_size says more
  // Even when total_size is made to agree, the sections run past the end.
  poke<std::uint64_t>(bytes, offsetof(HeaderFixed, total_size), sizeof(layout::Header));
  expect_bad(bytes, ErrorCode::kBadSegment, "past the end");
}

// ---- Header fields ----

TEST_F(Validation, WrongMagicIsRefused) {
  auto bytes = image();
  poke<std::uint64_t>(bytes, offsetof(HeaderFixed, magic), 0x00474E4952535954ULL);
  expect_bad(bytes, ErrorCode::kBadSegment, "magic");
}

TEST_F(Validation, GarbageObjectIsABadSegmentNotABrokerStillStarting) {
  // A foreign object (no sysring magic at all) must be reported as such. The state word sits
  // at offset 512 of *our* layout; interpreting it before the magic was checked classifies any
  // foreign object by whatever bytes happen to be there.
  std::vector<std::uint8_t> bytes(8192, 0x41);
  expect_bad(bytes, ErrorCode::kBadSegment, "magic");
  // Zero magic under a non-zero state word: the broker stores the state after the magic, so this
  // is no header being written but a foreign object.
  std::vector<std::uint8_t> zeros(8192, 0);
  poke<std::uint64_t>(zeros, offsetof(layout::Header, state),
                      static_cast<std::uint64_t>(layout::BrokerState::kLive));
  expect_bad(zeros, ErrorCode::kBadSegment, "magic");
}

// ---- A segment being created (SegmentWriter::create: empty, sized, header, then state INIT) ----

TEST_F(Validation, ZeroFilledObjectIsASegmentBeingCreated) {
  // Sized but its header not written yet: all zero, state word 0 included.
  std::vector<std::uint8_t> zeros(image().size(), 0);
  expect_open_error(options_for(put(zeros)), ErrorCode::kNotLive, "creating");
  std::vector<std::uint8_t> small(8192, 0);
  expect_open_error(options_for(put(small)), ErrorCode::kNotLive, "creating");
}

TEST_F(Validation, HeaderBeingWrittenIsASegmentBeingCreated) {
  // The magic written, the rest of the header not yet (state 0): not corrupt, not another
  // version, just not ready.
  std::vector<std::uint8_t> partial(image().size(), 0);
  poke<std::uint64_t>(partial, offsetof(HeaderFixed, magic), layout::kMagic);
  expect_open_error(options_for(put(partial)), ErrorCode::kNotLive, "creating");
  // Every field written but the state word (the release store that ends the header).
  auto bytes = image();
  poke<std::uint64_t>(bytes, offsetof(layout::Header, state), 0);
  expect_open_error(options_for(put(bytes)), ErrorCode::kNotLive, "creating");
  // Fields written in another order than declared (plain stores): magic still zero.
  poke<std::uint64_t>(bytes, offsetof(HeaderFixed, magic), 0);
  expect_open_error(options_for(put(bytes)), ErrorCode::kNotLive, "creating");
}

TEST_F(Validation, ForeignMagicIsRefusedEvenWithAZeroStateWord) {
  // Only a zero or a sysring magic can be a header being written: any other is foreign.
  auto bytes = image();
  poke<std::uint64_t>(bytes, offsetof(layout::Header, state), 0);
  poke<std::uint64_t>(bytes, offsetof(HeaderFixed, magic), 0x00474E4952535954ULL);
  expect_bad(bytes, ErrorCode::kBadSegment, "magic");
  std::vector<std::uint8_t> elf(8192, 0);
  poke<std::uint32_t>(elf, 0, 0x464C457FU);  // "\x7fELF": a low byte alone makes it foreign
  expect_bad(elf, ErrorCode::kBadSegment, "magic");
}

TEST_F(Validation, OtherMajorVersionIsRefusedWithVersionCode) {
  auto bytes = image();
  poke<std::uint16_t>(bytes, offsetof(HeaderFixed, major), layout::kMajorVersion + 1);
  expect_bad(bytes, ErrorCode::kVersion, "version");
  poke<std::uint16_t>(bytes, offsetof(HeaderFixed, major), 0);
  expect_bad(bytes, ErrorCode::kVersion, "version");
}

TEST_F(Validation, WrongHeaderSizeIsRefused) {
  auto bytes = image();
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, header_size), 512);
  expect_bad(bytes, ErrorCode::kBadSegment, "header size");
}

TEST_F(Validation, TotalSizeDifferentFromObjectSizeIsRefused) {
  auto bytes = image();
  poke<std::uint64_t>(bytes, offsetof(HeaderFixed, total_size), bytes.size() + 4096);
  expect_bad(bytes, ErrorCode::kBadSegment, "bytes");
  bytes = image();
  poke<std::uint64_t>(bytes, offsetof(HeaderFixed, total_size), bytes.size() - 64);
  expect_bad(bytes, ErrorCode::kBadSegment, "bytes");
  // The object grew, the header did not.
  bytes = image();
  bytes.resize(bytes.size() + 4096);
  expect_bad(bytes, ErrorCode::kBadSegment, "bytes");
}

TEST_F(Validation, SectionOffsetPastTheEndIsRefused) {
  auto bytes = image();
  const std::size_t v = section_index(bytes, SectionKind::kValues);
  poke<std::uint64_t>(bytes, section_field(v, test::kSecOffset), bytes.size() + 64);
  expect_bad(bytes, ErrorCode::kBadSegment, "past the end");

  bytes = image();
  const std::size_t r = section_index(bytes, SectionKind::kRing);
  const auto ring_off = peek<std::uint64_t>(bytes, section_field(r, test::kSecOffset));
  poke<std::uint64_t>(bytes, section_field(r, test::kSecSize), bytes.size() - ring_off + 1);
  expect_bad(bytes, ErrorCode::kBadSegment, "past the end");
}

TEST_F(Validation, OffsetPlusSizeOverflowingUint64IsRefused) {
  auto bytes = image();
  const std::size_t d = section_index(bytes, SectionKind::kDescriptors);
  poke<std::uint64_t>(bytes, section_field(d, test::kSecOffset),
                      ~std::uint64_t{0} - 63);                        // 2^64-64
  poke<std::uint64_t>(bytes, section_field(d, test::kSecSize), 128);  // offset+size wraps to 64
  expect_bad(bytes, ErrorCode::kBadSegment, "past the end");

  bytes = image();
  poke<std::uint64_t>(bytes, section_field(d, test::kSecSize), ~std::uint64_t{0} - 63);
  expect_bad(bytes, ErrorCode::kBadSegment, "past the end");

  // Ring: the slot geometry times the count must not overflow into "fits" either.
  bytes = image();
  const std::size_t r = section_index(bytes, SectionKind::kRing);
  poke<std::uint64_t>(bytes, section_field(r, test::kSecOffset), ~std::uint64_t{0} - 63);
  expect_bad(bytes, ErrorCode::kBadSegment, "past the end");
}

TEST_F(Validation, OverlappingSectionsAreRefused) {
  auto bytes = image();
  const std::size_t v = section_index(bytes, SectionKind::kValues);
  const std::size_t r = section_index(bytes, SectionKind::kRing);
  // The ring placed on top of the value table (both in bounds, both aligned). This way round
  // holds whatever the registry's size: the value table may be larger than the ring.
  poke<std::uint64_t>(bytes, section_field(r, test::kSecOffset),
                      peek<std::uint64_t>(bytes, section_field(v, test::kSecOffset)));
  expect_bad(bytes, ErrorCode::kBadSegment, "overlap");

  // The descriptor section stretched 64 bytes into the value table.
  bytes = image();
  const std::size_t d = section_index(bytes, SectionKind::kDescriptors);
  const auto d_off = peek<std::uint64_t>(bytes, section_field(d, test::kSecOffset));
  const auto v_off = peek<std::uint64_t>(bytes, section_field(v, test::kSecOffset));
  poke<std::uint64_t>(bytes, section_field(d, test::kSecSize), v_off - d_off + 64);
  expect_bad(bytes, ErrorCode::kBadSegment, "overlap");

  // A section placed over the header.
  bytes = image();
  poke<std::uint64_t>(bytes, section_field(d, test::kSecOffset), 0);
  expect_bad(bytes, ErrorCode::kBadSegment, "header");
}

TEST_F(Validation, MissingSectionIsRefused) {
  // The ring entry turned into an unknown kind: it is skipped, so the ring is missing.
  auto bytes = image();
  const std::size_t r = section_index(bytes, SectionKind::kRing);
  poke<std::uint32_t>(bytes, section_field(r, test::kSecKind), 9);
  expect_bad(bytes, ErrorCode::kBadSegment, "missing");
  // The last entry dropped from the count.
  bytes = image();
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, section_count), seed_header().section_count - 1);
  expect_bad(bytes, ErrorCode::kBadSegment, "missing");
  // No sections at all, and more than the table holds.
  bytes = image();
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, section_count), 0);
  expect_bad(bytes, ErrorCode::kBadSegment, "section count");
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, section_count), layout::kMaxSections + 1);
  expect_bad(bytes, ErrorCode::kBadSegment, "section count");
}

TEST_F(Validation, DuplicateSectionKindIsRefused) {
  auto bytes = image();
  const std::size_t r = section_index(bytes, SectionKind::kRing);
  poke<std::uint32_t>(bytes, section_field(r, test::kSecKind),
                      static_cast<std::uint32_t>(SectionKind::kValues));
  expect_bad(bytes, ErrorCode::kBadSegment, "duplicate");
}

TEST_F(Validation, WrongValueCopyStrideIsRefused) {
  auto bytes = image();
  const std::uint32_t stride = seed_header().value_copy_bytes;
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, value_copy_bytes), stride - 8);
  expect_bad(bytes, ErrorCode::kBadSegment, "value copy stride");
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, value_copy_bytes), 0);
  expect_bad(bytes, ErrorCode::kBadSegment, "value copy stride");
}

TEST_F(Validation, ValueTableLargerThanItsSectionIsRefused) {
  auto bytes = image();
  const std::uint32_t words = seed_header().value_words * 64;
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, value_words), words);
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, value_copy_bytes),
                      static_cast<std::uint32_t>(layout::value_copy_bytes(words)));
  expect_bad(bytes, ErrorCode::kBadSegment, "value section too small");
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, value_words), 0);
  expect_bad(bytes, ErrorCode::kBadSegment, "value table");
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, value_words), layout::kMaxValueWords + 1);
  expect_bad(bytes, ErrorCode::kBadSegment, "value table");
}

TEST_F(Validation, DirectoryBufferSizeOutOfRangeOrSectionTooSmallIsRefused) {
  auto bytes = image();
  const std::uint32_t size = seed_header().directory_bytes;
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, directory_bytes), size + 8);
  expect_bad(bytes, ErrorCode::kBadSegment, "directory buffer size");
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, directory_bytes), 64);
  expect_bad(bytes, ErrorCode::kBadSegment, "directory buffer size");
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, directory_bytes), size * 2);
  expect_bad(bytes, ErrorCode::kBadSegment, "directory section too small");
}

TEST_F(Validation, RingSlotCountNotAPowerOfTwoIsRefused) {
  for (const std::uint32_t bad : {0u, 3u, 15u, 17u}) {
    auto bytes = image();
    poke<std::uint32_t>(bytes, offsetof(HeaderFixed, ring_slot_count), bad);
    SCOPED_TRACE("ring_slot_count " + std::to_string(bad));
    expect_bad(bytes, ErrorCode::kBadSegment, "ring slot count");
  }
}

TEST_F(Validation, RingSlotSizeOutOfRangeOrSectionTooSmallIsRefused) {
  auto bytes = image();
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, ring_slot_size), 1000);
  expect_bad(bytes, ErrorCode::kBadSegment, "ring slot size");
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, ring_slot_size), 512);
  expect_bad(bytes, ErrorCode::kBadSegment, "ring slot size");
  // A power of two, in range, but the ring section cannot hold count * size.
  bytes = image();
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, ring_slot_size),
                      seed_header().ring_slot_size * 2);
  expect_bad(bytes, ErrorCode::kBadSegment, "ring");
}

TEST_F(Validation, ZeroTickPeriodIsRefused) {
  auto bytes = image();
  poke<std::uint64_t>(bytes, offsetof(HeaderFixed, tick_period_ns), 0);
  expect_bad(bytes, ErrorCode::kBadSegment, "tick");
}

// ---- The descriptor FlatBuffer ----

TEST_F(Validation, GarbageDescriptorBytesAreRefused) {
  auto bytes = image();
  const std::size_t d = section_index(bytes, SectionKind::kDescriptors);
  const auto off = peek<std::uint64_t>(bytes, section_field(d, test::kSecOffset));
  const auto size = peek<std::uint64_t>(bytes, section_field(d, test::kSecSize));
  std::mt19937_64 rng(7);
  for (std::uint64_t i = 0; i < size; ++i) bytes[off + i] = static_cast<std::uint8_t>(rng());
  expect_bad(bytes, ErrorCode::kBadSegment, "descriptor");
  // All 0xFF: root offset far out of the buffer.
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(off),
            bytes.begin() + static_cast<std::ptrdiff_t>(off + size), 0xFF);
  expect_bad(bytes, ErrorCode::kBadSegment, "descriptor");
}

TEST_F(Validation, TruncatedDescriptorTableIsRefused) {
  const std::size_t d = section_index(image(), SectionKind::kDescriptors);
  const auto size = peek<std::uint64_t>(image(), section_field(d, test::kSecSize));
  for (const std::uint64_t keep :
       {std::uint64_t{0}, std::uint64_t{3}, std::uint64_t{16}, size / 2, size - 64}) {
    auto bytes = image();
    poke<std::uint64_t>(bytes, section_field(d, test::kSecSize), keep);
    SCOPED_TRACE("descriptor bytes kept: " + std::to_string(keep));
    expect_bad(bytes, ErrorCode::kBadSegment, "descriptor");
  }
}

TEST_F(Validation, ValueTableSizeDisagreeingWithTheDescriptorsIsRefused) {
  // A header whose value table is smaller than the one the descriptors' columns were laid out
  // for: every column past it would be read out of bounds.
  const std::string name = adopt(test::unique_name("srv-ids"));
  const auto table = test::descriptor_table();
  test::WriterParams p;
  p.value_words = 50;
  auto writer = test::make_writer(name, table, p);
  writer.go_live();
  expect_open_error(options_for(name), ErrorCode::kBadSegment, "value table size");
}

TEST_F(Validation, ColumnOutsideTheValueTableIsRefused) {
  // Descriptors laid out for 4 rows a domain, published with the value-table size of 2 rows a
  // domain: sizes agree in both places, but the later columns run past the table.
  const auto big =
      test::descriptor_table(registry::kEntries, registry::kSchemaHash, test::test_capacities(40));
  const auto small =
      test::descriptor_table(registry::kEntries, registry::kSchemaHash, test::test_capacities(2));
  auto patched = big;
  std::size_t hits = 0;
  for (std::size_t i = 0; i + 4 <= patched.bytes.size(); i += 4) {
    std::uint32_t v;
    std::memcpy(&v, patched.bytes.data() + i, 4);
    if (v == big.value_words) {
      std::memcpy(patched.bytes.data() + i, &small.value_words, 4);
      ++hits;
    }
  }
  ASSERT_EQ(hits, 1u) << "the table's value_words field, found by its value";
  patched.value_words = small.value_words;
  const std::string name = adopt(test::unique_name("srv-col"));
  auto writer = test::make_writer(name, patched);
  writer.go_live();
  expect_open_error(options_for(name), ErrorCode::kBadSegment, "outside the value table");
}

TEST_F(Validation, DescriptorIdZeroIsRefused) {
  std::vector<registry::RegistryEntry> entries(registry::kEntries.begin(),
                                               registry::kEntries.end());
  entries[5].id = 0;
  const std::string name = adopt(test::unique_name("srv-id0"));
  const auto table = test::descriptor_table(entries);
  auto writer = test::make_writer(name, table);
  writer.go_live();
  expect_open_error(options_for(name), ErrorCode::kBadSegment, "descriptor id 0");
}

TEST_F(Validation, DuplicateMetricNamesAreRefused) {
  std::vector<registry::RegistryEntry> entries(registry::kEntries.begin(),
                                               registry::kEntries.end());
  entries[10].name = entries[3].name;
  const std::string name = adopt(test::unique_name("srv-dupn"));
  const auto table = test::descriptor_table(entries);
  auto writer = test::make_writer(name, table);
  writer.go_live();
  expect_open_error(options_for(name), ErrorCode::kBadSegment, "duplicate metric name");
}

TEST_F(Validation, DuplicateMetricIdsAreRefused) {
  std::vector<registry::RegistryEntry> entries(registry::kEntries.begin(),
                                               registry::kEntries.end());
  entries[10].id = entries[3].id;
  const std::string name = adopt(test::unique_name("srv-dupi"));
  const auto table = test::descriptor_table(entries);
  auto writer = test::make_writer(name, table);
  writer.go_live();
  expect_open_error(options_for(name), ErrorCode::kBadSegment, "duplicate descriptor id");
}

TEST_F(Validation, SchemaHashMismatchBetweenHeaderAndDescriptorsIsRefused) {
  auto bytes = image();
  poke<std::uint64_t>(bytes, offsetof(HeaderFixed, schema_hash), registry::kSchemaHash ^ 1);
  expect_bad(bytes, ErrorCode::kBadSegment, "hash");
  // The same mismatch made by a writer.
  const std::string name = adopt(test::unique_name("srv-hash"));
  const auto table = test::descriptor_table(registry::kEntries, 0x1234);
  auto writer = test::make_writer(name, table);
  writer.go_live();
  expect_open_error(options_for(name), ErrorCode::kBadSegment, "hash");
}

TEST_F(Validation, ForeignSchemaHashConsistentInBothPlacesOpensButIsFlagged) {
  const std::string name = adopt(test::unique_name("srv-fh"));
  const std::uint64_t other = registry::kSchemaHash ^ 0xFF;
  const auto table = test::descriptor_table(registry::kEntries, other);
  test::WriterParams p;
  p.header_hash = other;
  auto writer = test::make_writer(name, table, p);
  writer.go_live();
  Client client = Client::open(options_for(name));
  EXPECT_FALSE(client.info().schema_matches);
  EXPECT_EQ(client.info().schema_hash, other);
}

// ---- Broker state ----

TEST_F(Validation, SegmentInStateInitIsNotLive) {
  const std::string name = adopt(test::unique_name("srv-init"));
  const auto table = test::descriptor_table();
  auto writer = test::make_writer(name, table);  // no go_live()
  expect_open_error(options_for(name), ErrorCode::kNotLive, "starting");
  OpenOptions o = options_for(name);
  o.require_live = false;
  EXPECT_NO_THROW({ Client c = Client::open(o); });
}

TEST_F(Validation, ClosedSegmentIsNotLiveUnlessAsked) {
  auto bytes = image();
  poke<std::uint64_t>(bytes, offsetof(layout::Header, state),
                      static_cast<std::uint64_t>(layout::BrokerState::kClosed));
  const std::string name = put(bytes);
  expect_open_error(options_for(name), ErrorCode::kNotLive, "closed");
  OpenOptions o = options_for(name);
  o.require_live = false;
  Client client = Client::open(o);
  EXPECT_EQ(client.info().state, layout::BrokerState::kClosed);
  EXPECT_EQ(client.health(), BrokerHealth::kGone);
}

TEST_F(Validation, APidThatCannotNameAProcessIsRefused) {
  // A header whose broker_pid is 0xFFFFFFFF must not count as a running broker: as a pid_t it
  // is -1, and kill(-1, 0) asks about *every* process the caller may signal. The heartbeat is
  // kept fresh (tick period of one hour) so only the pid decides.
  auto bytes = image();
  poke<std::uint64_t>(bytes, offsetof(HeaderFixed, tick_period_ns), 3600ULL * 1'000'000'000ULL);
  poke<std::uint64_t>(bytes, offsetof(layout::Header, heartbeat_ns), monotonic_ns());
  // Such a header is refused at open, so health() can never be asked about it.
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, broker_pid), 0xFFFFFFFFu);
  expect_bad(bytes, ErrorCode::kBadSegment, "pid");
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, broker_pid), 0u);
  expect_bad(bytes, ErrorCode::kBadSegment, "pid");
  // Sanity: with our own (existing) pid the same segment is alive, so the check above is about
  // the pid and nothing else.
  poke<std::uint32_t>(bytes, offsetof(HeaderFixed, broker_pid),
                      static_cast<std::uint32_t>(::getpid()));
  Client mine = Client::open(options_for(put(bytes)));
  EXPECT_EQ(to_string(mine.health()), std::string("alive"));
}

// ---- Owner and mode (fstat before mmap) ----

TEST_F(Validation, ForeignOwnerIsRefusedUnlessExpected) {
  if (::geteuid() != 0) GTEST_SKIP() << "fchown to uid 65534 needs root";
  const std::string name = adopt(test::unique_name("srv-own"));
  const int fd = test::write_object(name, image(), 0644, /*keep_fd=*/true);
  ASSERT_EQ(::fchown(fd, kNobody, kNobody), 0) << std::strerror(errno);
  ::close(fd);
  expect_open_error(options_for(name), ErrorCode::kForeignOwner, "65534");
  OpenOptions o = options_for(name);
  o.expected_owner = kNobody;
  Client client = Client::open(o);
  EXPECT_EQ(client.descriptors().size(), registry::kEntries.size());
  // And the other way round: our own segment refused when another owner is expected.
  OpenOptions mine = options_for(put(image()));
  mine.expected_owner = kNobody;
  expect_open_error(mine, ErrorCode::kForeignOwner, "65534");
}

TEST_F(Validation, ExpectedOwnerMismatchIsRefusedWithoutRoot) {
  OpenOptions o = options_for(put(image()));
  o.expected_owner = ::getuid() + 4242;
  expect_open_error(o, ErrorCode::kForeignOwner, "uid");
}

TEST_F(Validation, GroupOrWorldWritableIsRefused) {
  for (const mode_t mode : {mode_t{0666}, mode_t{0664}, mode_t{0660}, mode_t{0646}, mode_t{0622}}) {
    SCOPED_TRACE("mode " + std::to_string(mode));
    expect_open_error(options_for(put(image(), mode)), ErrorCode::kInsecureMode, "mode");
  }
  // Readable by group/other but not writable is fine.
  for (const mode_t mode : {mode_t{0644}, mode_t{0640}, mode_t{0600}, mode_t{0444}}) {
    SCOPED_TRACE("mode " + std::to_string(mode));
    EXPECT_NO_THROW({ Client c = Client::open(options_for(put(image(), mode))); });
  }
}

TEST_F(Validation, ImplausiblyLargeObjectIsRefusedBeforeMapping) {
  // A sparse object just over the 1 GiB sanity bound, with a valid-looking header.
  const std::string name = adopt(test::unique_name("srv-huge"));
  const int fd = test::write_object(name, image(), 0644, /*keep_fd=*/true);
  const off_t huge = static_cast<off_t>(layout::kMaxSegmentBytes + 4096);
  const int rc = ::ftruncate(fd, huge);
  ::close(fd);
  if (rc != 0) GTEST_SKIP() << "cannot size a sparse shm object: " << std::strerror(errno);
  expect_open_error(options_for(name), ErrorCode::kBadSegment, "size");
}

// ---- Names ----

TEST_F(Validation, MissingSegmentIsNotFound) {
  const std::string name = test::unique_name("srv-none");
  expect_open_error(options_for(name), ErrorCode::kNotFound, name);
}

TEST_F(Validation, InvalidNamesAreRefusedBeforeAnySystemCall) {
  const std::string too_long = "/" + std::string(31, 'a');  // 32 characters
  ASSERT_EQ(too_long.size(), 32u);
  for (const std::string& bad :
       {too_long, std::string("sysring"), std::string("/a/b"), std::string(""), std::string("/"),
        std::string("//x"), std::string("/a b"), std::string("/..\n")}) {
    SCOPED_TRACE("name '" + bad + "'");
    expect_open_error(options_for(bad), ErrorCode::kInvalidName);
  }
  // 31 characters is the limit and valid: it gets as far as "not found".
  const std::string longest = "/" + std::string(30, 'z');
  expect_open_error(options_for(longest), ErrorCode::kNotFound);
}

TEST_F(Validation, ErrorMessageStaysOneLineForAHostileName) {
  // Too long (so the reason quotes the name) and carrying a newline: the message must still be
  // one line, as the library promises for every Error.
  const std::string hostile = "/" + std::string(21, 'a') + "\nINJECTED\n";  // 32 chars
  ASSERT_GT(hostile.size(), layout::kMaxNameChars);
  expect_open_error(options_for(hostile), ErrorCode::kInvalidName);
}

// ---- The instance directory: untrusted like the rest ----

// A live segment whose directory lists vda, sdb (gone) and cpu0, as bytes.
std::vector<std::uint8_t> image_with_instances() {
  const std::string name = test::unique_name("srv-dir");
  const auto table = test::descriptor_table();
  auto writer = test::make_writer(name, table);
  broker::InstanceTable instances(test::test_capacities(), 0, 1, 4096);
  const broker::LabelView vda[] = {{"device", "vda"}};
  const broker::LabelView sdb[] = {{"device", "sdb"}};
  const broker::LabelView cpu0[] = {{"cpu", "0"}};
  instances.begin_refresh(InstanceDomain::Disk);
  instances.present(InstanceDomain::Disk, "vda", vda, 1);
  instances.present(InstanceDomain::Disk, "sdb", sdb, 1);
  instances.end_refresh(InstanceDomain::Disk, 1);
  instances.begin_refresh(InstanceDomain::Disk);
  instances.present(InstanceDomain::Disk, "vda", vda, 2);
  instances.end_refresh(InstanceDomain::Disk, 2);
  instances.begin_refresh(InstanceDomain::Cpu);
  instances.present(InstanceDomain::Cpu, "cpu0", cpu0, 1);
  instances.end_refresh(InstanceDomain::Cpu, 1);
  writer.directory().publish(instances);
  writer.go_live();
  auto bytes = test::read_object(name);
  writer.close();
  return bytes;
}

// Offset of the current directory buffer (its 16-byte header) in `bytes`.
std::size_t current_directory(const std::vector<std::uint8_t>& bytes) {
  const std::size_t d = section_index(bytes, SectionKind::kDirectory);
  const auto off = peek<std::uint64_t>(bytes, section_field(d, test::kSecOffset));
  const auto generation =
      peek<std::uint64_t>(bytes, offsetof(layout::Header, directory_generation));
  return off + layout::directory_buffer_offset(generation, test::header_of(bytes).directory_bytes);
}

std::string expect_directory_error(const std::string& name, std::string_view keyword) {
  Client client = Client::open(options_for(name));  // the rest of the segment is fine
  try {
    (void)client.instances();
    ADD_FAILURE() << "a corrupt directory was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadSegment) << e.what();
    EXPECT_NE(std::string(e.what()).find(keyword), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    return e.what();
  }
  return {};
}

TEST_F(Validation, AValidDirectoryListsItsInstances) {
  const std::string name = put(image_with_instances());
  Client client = Client::open(options_for(name));
  const auto dir = client.instances();
  ASSERT_EQ(dir->instances.size(), 3u);
  ASSERT_NE(dir->find(InstanceDomain::Disk, "vda"), nullptr);
  EXPECT_EQ(dir->find(InstanceDomain::Disk, "sdb"), nullptr) << "gone, not live";
  ASSERT_NE(dir->find(InstanceDomain::Cpu, "cpu0"), nullptr);
  EXPECT_EQ(*dir->find(InstanceDomain::Cpu, "cpu0")->label("cpu"), "0");
}

TEST_F(Validation, CorruptDirectoriesAreRefusedWithoutCrashing) {
  const std::vector<std::uint8_t> seed = image_with_instances();
  const std::size_t buffer = current_directory(seed);
  const auto length = peek<std::uint64_t>(seed, buffer);
  const std::uint32_t capacity = test::header_of(seed).directory_bytes - 16;
  {
    auto bytes = seed;  // a length past the buffer
    poke<std::uint64_t>(bytes, buffer, capacity + 1);
    expect_directory_error(put(bytes), "does not hold the current generation");
  }
  {
    auto bytes = seed;  // the buffer stamped with another generation
    poke<std::uint64_t>(bytes, buffer + 8, peek<std::uint64_t>(bytes, buffer + 8) + 2);
    expect_directory_error(put(bytes), "generation");
  }
  {
    auto bytes = seed;  // garbage FlatBuffer bytes
    std::mt19937_64 rng(3);
    for (std::uint64_t i = 0; i < length; ++i)
      bytes[buffer + 16 + i] = static_cast<std::uint8_t>(rng());
    expect_directory_error(put(bytes), "instance directory");
  }
  {
    auto bytes = seed;  // truncated
    poke<std::uint64_t>(bytes, buffer, length / 2);
    expect_directory_error(put(bytes), "instance directory");
  }
  {
    auto bytes = seed;  // a directory of generation 0: the header says none was published
    poke<std::uint64_t>(bytes, offsetof(layout::Header, directory_generation), 0);
    Client client = Client::open(options_for(put(bytes)));
    EXPECT_THROW((void)client.instances(), Error);
  }
}

// Semantic checks beyond the Verifier: a row past its domain's capacity, two instances in one
// row, an unknown domain. Built with FlatBuffers directly, as a hostile broker would.
TEST_F(Validation, DirectoryRowsAndDomainsAreChecked) {
  const std::vector<std::uint8_t> seed = image_with_instances();
  const std::size_t buffer = current_directory(seed);
  const auto generation = peek<std::uint64_t>(seed, buffer + 8);
  const auto with = [&](std::uint8_t domain, std::uint32_t row_a, std::uint32_t row_b) {
    flatbuffers::FlatBufferBuilder fbb;
    std::vector<flatbuffers::Offset<schema::Instance>> list;
    for (const std::uint32_t row : {row_a, row_b}) {
      list.push_back(schema::CreateInstance(fbb, static_cast<schema::InstanceDomain>(domain), row,
                                            row, row + 1,
                                            fbb.CreateString("d" + std::to_string(row))));
    }
    schema::FinishInstanceDirectoryBuffer(
        fbb, schema::CreateInstanceDirectory(fbb, generation, fbb.CreateVector(list)));
    auto bytes = seed;
    poke<std::uint64_t>(bytes, buffer, fbb.GetSize());
    std::memcpy(bytes.data() + buffer + 16, fbb.GetBufferPointer(), fbb.GetSize());
    return bytes;
  };
  const auto disk = static_cast<std::uint8_t>(InstanceDomain::Disk);
  Client good = Client::open(options_for(put(with(disk, 0, 1))));
  EXPECT_EQ(good.instances()->instances.size(), 2u) << "the control";
  expect_directory_error(put(with(disk, 0, 4)), "past its domain's capacity");
  expect_directory_error(put(with(disk, 1, 1)), "two instances in one row");
  expect_directory_error(put(with(0, 0, 1)), "unknown domain");
  expect_directory_error(put(with(99, 0, 1)), "unknown domain");
}

TEST_F(Validation, FuzzedDirectoriesNeverCrash) {
  const std::vector<std::uint8_t> seed = image_with_instances();
  const std::size_t buffer = current_directory(seed);
  const auto length = peek<std::uint64_t>(seed, buffer);
  std::mt19937_64 rng(0xD1CE);
  const std::string name = adopt(test::unique_name("srv-dfz"));
  int accepted = 0, rejected = 0;
  for (int iter = 0; iter < 2000; ++iter) {
    auto bytes = seed;
    for (int m = 0; m < 1 + static_cast<int>(rng() % 4); ++m) {
      const std::uint64_t at = buffer + 16 + rng() % length;
      bytes[at] = (rng() & 1) ? static_cast<std::uint8_t>(rng())
                              : static_cast<std::uint8_t>(bytes[at] ^ (1u << (rng() % 8)));
    }
    ::shm_unlink(name.c_str());
    test::write_object(name, bytes);
    Client client = Client::open(options_for(name));
    try {
      const auto dir = client.instances();
      for (const Instance& i : dir->instances) {
        (void)client.bind(MetricId::disk_read_bytes, i);
        (void)i.label("device");
      }
      (void)client.read_family(MetricId::disk_read_bytes);
      RingFollower follower(client);
      Batch b;
      (void)follower.poll(b);
      ++accepted;
    } catch (const Error& e) {
      ASSERT_EQ(e.code(), ErrorCode::kBadSegment) << e.what();
      ++rejected;
    }
  }
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, 0);
  std::printf("directory fuzz: %d accepted, %d rejected\n", accepted, rejected);
}

// ---- Deterministic fuzz over the header and descriptor bytes ----

// After a successful open, touch everything the library reads so an OOB read would show.
void exercise(const Client& client) {
  for (std::uint32_t id = 0; id <= registry::kMaxMetricId + 1u; ++id) {
    Scalar s;
    (void)client.read(static_cast<MetricId>(id), s);
    Text t;
    (void)client.read_text(static_cast<MetricId>(id), t);
    CounterTotals c;
    (void)client.read_counter(static_cast<MetricId>(id), c);
    (void)client.descriptor(static_cast<MetricId>(id));
  }
  for (const Descriptor& d : client.descriptors()) {
    (void)client.find(d.name);
    try {
      (void)client.read_family(d.id);
      (void)client.bind(d.id, "vda");
    } catch (const Error&) {  // a corrupt directory is an error, never a crash
    }
  }
  ValueSnapshot snapshot;
  (void)client.read_all(snapshot);
  (void)client.health();
  RingFollower follower(client);
  Batch batch;
  for (int i = 0; i < 4; ++i) (void)follower.poll(batch);
}

TEST_F(Validation, FuzzedHeaderAndDescriptorsNeverCrash) {
  const std::vector<std::uint8_t> seed = image();
  const std::size_t d = section_index(seed, SectionKind::kDescriptors);
  const auto d_off = peek<std::uint64_t>(seed, section_field(d, test::kSecOffset));
  const auto d_size = peek<std::uint64_t>(seed, section_field(d, test::kSecSize));
  const std::uint64_t interesting[] = {0,
                                       1,
                                       2,
                                       63,
                                       64,
                                       1024,
                                       4096,
                                       0x7FFFFFFF,
                                       0x80000000,
                                       0xFFFFFFFF,
                                       0x100000000ULL,
                                       ~std::uint64_t{0},
                                       ~std::uint64_t{0} - 63,
                                       std::uint64_t{1} << 63,
                                       seed.size(),
                                       seed.size() - 64,
                                       d_off,
                                       d_size};
  std::mt19937_64 rng(0x5EED5EEDULL);
  const std::string name = adopt(test::unique_name("srv-fuzz"));
  int accepted = 0;
  int rejected = 0;
  std::array<int, 10> by_code{};
  constexpr int kIterations = 3000;
  for (int iter = 0; iter < kIterations; ++iter) {
    std::vector<std::uint8_t> bytes = seed;
    const int mutations = 1 + static_cast<int>(rng() % 4);
    for (int m = 0; m < mutations; ++m) {
      // Half in the header's first 600 bytes (fixed part + state), half in the descriptors.
      const bool in_header = (rng() & 1) != 0;

      const std::uint64_t lo = in_header ? 0 : d_off;
      const std::uint64_t span = in_header ? 600 : d_size;
      switch (rng() % 3) {
        case 0: {  // flip one bit
          const std::uint64_t at = lo + rng() % span;
          bytes[at] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
          break;
        }
        case 1: {  // random byte
          bytes[lo + rng() % span] = static_cast<std::uint8_t>(rng());
          break;
        }
        default: {  // an interesting 32- or 64-bit word at an aligned offset
          const std::uint64_t width = (rng() & 1) ? 8 : 4;
          const std::uint64_t at = lo + (rng() % (span / width)) * width;
          const std::uint64_t value =
              (rng() % 4 == 0) ? rng() : interesting[rng() % std::size(interesting)];
          std::memcpy(bytes.data() + at, &value, width);  // little-endian: low bytes first
          break;
        }
      }
    }
    ::shm_unlink(name.c_str());
    test::write_object(name, bytes);
    try {
      Client client = Client::open(options_for(name));
      exercise(client);
      ++accepted;
    } catch (const Error& e) {
      ++rejected;
      ++by_code[static_cast<std::size_t>(e.code())];
      const std::string message = e.what();
      ASSERT_EQ(message.find('\n'), std::string::npos) << "iteration " << iter << ": " << message;
      ASSERT_FALSE(message.empty()) << "iteration " << iter;
    } catch (const std::exception& e) {
      FAIL() << "iteration " << iter << ": non-sysring exception: " << e.what();
    }
  }
  // Both outcomes must occur, or the loop is not testing what it claims.
  EXPECT_GT(accepted, 0);
  EXPECT_GT(rejected, kIterations / 4);
  EXPECT_GT(by_code[static_cast<std::size_t>(ErrorCode::kBadSegment)], 0);
  std::printf("fuzz: %d accepted, %d rejected (bad %d, version %d, not-live %d)\n", accepted,
              rejected, by_code[static_cast<std::size_t>(ErrorCode::kBadSegment)],
              by_code[static_cast<std::size_t>(ErrorCode::kVersion)],
              by_code[static_cast<std::size_t>(ErrorCode::kNotLive)]);
}

}  // namespace
}  // namespace sysring
