// The darwin decoders over byte fixtures: widening, strings, structs, arrays, format replies,
// and every truncated reply refused without reading past its length.
#include "sysctl_decode.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <string>

#include "darwin_source_spec.hpp"
#include "reply_fixtures.hpp"

namespace sysring::broker::darwin {
namespace {

using namespace sysring::darwin_fixtures;
using schema::ValueType;

Bytes bytes(const ByteVec& v) {
  return {v.data(), v.size()};
}

// A reply cut to its first n bytes, copied into an exactly-sized heap block so that ASan flags
// any read past the returned length.
struct Cut {
  explicit Cut(const ByteVec& v, std::size_t n) : data(v.begin(), v.begin() + n) {}
  ByteVec data;
  [[nodiscard]] Bytes span() const { return {data.data(), data.size()}; }
};

TEST(DecodeInteger, PagesizeIsTheSameFromFourAndEightByteReplies) {
  for (const ValueType t : {ValueType::I64, ValueType::U64}) {
    const Decoded wide = decode_integer(bytes(kPagesize8), t);
    const Decoded narrow = decode_integer(bytes(kPagesize4), t);
    ASSERT_EQ(wide.status, DecodeStatus::kOk);
    ASSERT_EQ(narrow.status, DecodeStatus::kOk);
    EXPECT_EQ(wide.bits, 16384u);
    EXPECT_EQ(narrow.bits, 16384u);
  }
}

TEST(DecodeInteger, FourByteRepliesWidenBySignednessOfTheRegistryType) {
  // hw.cpufamily is an "I" node whose value has the top bit set: u64 keeps it unsigned.
  EXPECT_EQ(decode_integer(bytes(kCpufamilyM2), ValueType::U64).bits, 0xda33d83dULL);
  // The same bits as i64 are a negative int32, sign-extended.
  EXPECT_EQ(static_cast<std::int64_t>(decode_integer(bytes(kCpufamilyM2), ValueType::I64).bits),
            static_cast<std::int32_t>(0xda33d83du));
  const ByteVec minus_one = {0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(static_cast<std::int64_t>(decode_integer(bytes(minus_one), ValueType::I64).bits), -1);
  const ByteVec big = {0, 0, 0, 0, 0, 0, 0, 0x80};
  EXPECT_EQ(decode_integer(bytes(big), ValueType::U64).bits, 0x8000000000000000ULL);
}

TEST(DecodeInteger, OtherLengthsAreRefused) {
  EXPECT_EQ(decode_integer({}, ValueType::U64).status, DecodeStatus::kTruncated);
  for (std::size_t n : {1u, 2u, 3u}) {
    EXPECT_EQ(decode_integer(Cut(kPagesize8, n).span(), ValueType::U64).status,
              DecodeStatus::kTruncated)
        << n;
  }
  for (std::size_t n : {5u, 6u, 7u}) {
    EXPECT_EQ(decode_integer(Cut(kPagesize8, n).span(), ValueType::U64).status,
              DecodeStatus::kBadLength)
        << n;
  }
  const ByteVec sixteen(16, 1);
  EXPECT_EQ(decode_integer(bytes(sixteen), ValueType::U64).status, DecodeStatus::kBadLength);
  EXPECT_NE(decode_integer(bytes(kPagesize8), ValueType::String).status, DecodeStatus::kOk);
}

TEST(DecodeString, StopsAtTheNulOrTheReturnedLength) {
  const ByteVec with_nul = {'D', 'a', 'r', 'w', 'i', 'n', 0, 'x', 'y'};
  EXPECT_EQ(decode_string(bytes(with_nul), 104).text, "Darwin");
  // Without a NUL only the returned bytes count (the kernel's reply normally includes one).
  const ByteVec no_nul = {'m', 'a', 'c'};
  EXPECT_EQ(decode_string(Cut(no_nul, 3).span(), 104).text, "mac");
  EXPECT_EQ(decode_string(Cut(no_nul, 2).span(), 104).text, "ma");
  EXPECT_EQ(decode_string({}, 104).text, "");
  const ByteVec empty = {0};
  EXPECT_EQ(decode_string(bytes(empty), 104).text, "");
}

TEST(DecodeString, LongStringsAreCutToTheCapacity) {
  ByteVec banner(200, 'v');
  banner.push_back(0);
  const Decoded d = decode_string(bytes(banner), 104);
  ASSERT_EQ(d.status, DecodeStatus::kOk);
  EXPECT_EQ(d.text.size(), 104u);
}

TEST(DecodeNodeFormat, ReadsTheKindWordThenTheFormatString) {
  NodeFormat f;
  const ByteVec r = format_reply(kRd | kQuad, "Q");
  ASSERT_EQ(decode_node_format(bytes(r), f), DecodeStatus::kOk);
  EXPECT_EQ(f.kind, kRd | kQuad);
  EXPECT_EQ(f.ctl_type(), 4u);
  EXPECT_EQ(f.format, "Q");
  EXPECT_EQ(shape_of(f), Shape::kInteger);

  const ByteVec s = format_reply(kRd | kOpaque, "S,xsw_usage");
  ASSERT_EQ(decode_node_format(bytes(s), f), DecodeStatus::kOk);
  EXPECT_EQ(shape_of(f), Shape::kStruct);
  EXPECT_EQ(struct_name_of(f), "xsw_usage");
}

TEST(DecodeNodeFormat, ShapesOfTheFormatsTheRegistryUses) {
  struct Case {
    std::uint32_t type;
    std::string_view format;
    Shape shape;
  };
  for (const Case& c : {Case{kInt, "I", Shape::kInteger}, Case{kInt, "IU", Shape::kInteger},
                        Case{kInt, "L", Shape::kInteger},  // SYSCTL_LONG: CTLTYPE_INT, 8 bytes
                        Case{kQuad, "QU", Shape::kInteger}, Case{kString, "A", Shape::kString},
                        Case{kOpaque, "S,timeval", Shape::kStruct},
                        Case{kOpaque, "Q", Shape::kU64Array}, Case{1, "N", Shape::kOther},
                        Case{kOpaque, "S,", Shape::kOther}, Case{kString, "I", Shape::kOther}}) {
    NodeFormat f;
    const ByteVec r = format_reply(kRw | c.type, c.format);
    ASSERT_EQ(decode_node_format(bytes(r), f), DecodeStatus::kOk) << c.format;
    EXPECT_EQ(shape_of(f), c.shape) << c.format;
  }
}

TEST(DecodeNodeFormat, TruncatedOrUnterminatedRepliesAreRefused) {
  const ByteVec r = format_reply(kRd | kOpaque, "S,timeval");
  NodeFormat f;
  for (std::size_t n = 0; n < r.size(); ++n) {  // every cut loses the NUL or the kind word
    EXPECT_EQ(decode_node_format(Cut(r, n).span(), f), DecodeStatus::kTruncated) << n;
  }
  const ByteVec empty_format = format_reply(kRd | kInt, "");
  EXPECT_EQ(decode_node_format(bytes(empty_format), f), DecodeStatus::kMalformed);
}

double as_double(const Decoded& d) {
  return std::bit_cast<double>(d.bits);
}

Decoded field(const ByteVec& reply, std::string_view s, std::string_view f, ValueType t) {
  const StructField* sf = find_struct_field(s, f);
  EXPECT_NE(sf, nullptr) << s << "." << f;
  if (sf == nullptr) return {};
  return decode_struct_field(bytes(reply), *sf, t);
}

TEST(DecodeStruct, TimevalSecondsAndInt32MicrosecondsIgnoringPadding) {
  const ByteVec b = boottime();
  EXPECT_EQ(field(b, "timeval", "sec", ValueType::I64).bits, 1700000000u);
  EXPECT_EQ(field(b, "timeval", "usec", ValueType::I64).bits, 250000u);  // 0xEE padding unread
}

TEST(DecodeStruct, LoadAveragesAreFixedPointOverFscale) {
  const ByteVec b = loadavg();
  EXPECT_DOUBLE_EQ(as_double(field(b, "loadavg", "avg1", ValueType::F64)), 1.5);
  EXPECT_DOUBLE_EQ(as_double(field(b, "loadavg", "avg5", ValueType::F64)), 0.75);
  EXPECT_DOUBLE_EQ(as_double(field(b, "loadavg", "avg15", ValueType::F64)), 3.0);
  EXPECT_EQ(field(b, "loadavg", "fscale", ValueType::I64).bits, 2048u);
  ByteVec zero_scale = b;
  put(zero_scale, 16, 0, 8);
  EXPECT_EQ(field(zero_scale, "loadavg", "avg1", ValueType::F64).status, DecodeStatus::kMalformed);
  // A load is f64 only.
  EXPECT_EQ(field(b, "loadavg", "avg1", ValueType::U64).status, DecodeStatus::kOutOfRange);
}

TEST(DecodeStruct, SwapUsageFields) {
  const ByteVec b = swapusage();
  EXPECT_EQ(field(b, "xsw_usage", "total", ValueType::U64).bits, 2ULL << 30);
  EXPECT_EQ(field(b, "xsw_usage", "avail", ValueType::U64).bits, 3ULL << 29);
  EXPECT_EQ(field(b, "xsw_usage", "used", ValueType::U64).bits, 1ULL << 29);
  EXPECT_EQ(field(b, "xsw_usage", "pagesize", ValueType::U64).bits, 16384u);
  EXPECT_EQ(field(b, "xsw_usage", "encrypted", ValueType::U64).bits, 1u);
}

TEST(DecodeStruct, ClockinfoInXnuOrderStathzBeforeProfhz) {
  const ByteVec b = clockrate();
  EXPECT_EQ(field(b, "clockinfo", "hz", ValueType::I64).bits, 100u);
  EXPECT_EQ(field(b, "clockinfo", "tick", ValueType::I64).bits, 10000u);
  EXPECT_EQ(field(b, "clockinfo", "tickadj", ValueType::I64).bits, 0u);
  EXPECT_EQ(field(b, "clockinfo", "stathz", ValueType::I64).bits, 128u);
  EXPECT_EQ(field(b, "clockinfo", "profhz", ValueType::I64).bits, 1000u);
}

TEST(DecodeStruct, SizesAndUnknownFields) {
  EXPECT_EQ(struct_size("timeval"), 16u);
  EXPECT_EQ(struct_size("loadavg"), 24u);
  EXPECT_EQ(struct_size("xsw_usage"), 32u);
  EXPECT_EQ(struct_size("clockinfo"), 20u);
  EXPECT_EQ(struct_size("vmtotal"), 0u);
  EXPECT_EQ(find_struct_field("timeval", "nsec"), nullptr);
  EXPECT_EQ(find_struct_field("clockinfo", "sec"), nullptr);
}

TEST(DecodeStruct, EveryTruncatedReplyIsRefusedEvenWhenTheFieldItselfIsThere) {
  for (const auto& [name, reply] : {std::pair{"timeval", boottime()},
                                    {"loadavg", loadavg()},
                                    {"xsw_usage", swapusage()},
                                    {"clockinfo", clockrate()}}) {
    const StructField* first = nullptr;
    for (std::string_view f : {"sec", "avg1", "total", "hz"}) {
      if (first == nullptr) first = find_struct_field(name, f);
    }
    ASSERT_NE(first, nullptr) << name;
    const ValueType t = first->kind == FieldKind::kLoadAvg ? ValueType::F64 : ValueType::I64;
    for (std::size_t n = 0; n < reply.size(); ++n) {
      EXPECT_EQ(decode_struct_field(Cut(reply, n).span(), *first, t).status,
                DecodeStatus::kTruncated)
          << name << " cut to " << n;
    }
    ByteVec longer = reply;
    longer.push_back(0);
    EXPECT_EQ(decode_struct_field(bytes(longer), *first, t).status, DecodeStatus::kBadLength);
  }
}

TEST(DecodeStruct, RangeChecksAgainstTheRegistryType) {
  ByteVec b = boottime();
  put(b, 0, static_cast<std::uint64_t>(-5), 8);
  EXPECT_EQ(field(b, "timeval", "sec", ValueType::U64).status, DecodeStatus::kOutOfRange);
  EXPECT_EQ(static_cast<std::int64_t>(field(b, "timeval", "sec", ValueType::I64).bits), -5);
  ByteVec s = swapusage();
  put(s, 0, UINT64_MAX, 8);
  EXPECT_EQ(field(s, "xsw_usage", "total", ValueType::I64).status, DecodeStatus::kOutOfRange);
  EXPECT_EQ(field(s, "xsw_usage", "total", ValueType::U64).bits, UINT64_MAX);
}

TEST(DecodeArray, ElementsLieWhollyInsideTheReply) {
  const ByteVec b = cachesize();
  EXPECT_EQ(decode_u64_element(bytes(b), 0).bits, 16ULL << 30);
  EXPECT_EQ(decode_u64_element(bytes(b), 1).bits, 65536u);
  EXPECT_EQ(decode_u64_element(bytes(b), 2).bits, 4ULL << 20);
  EXPECT_EQ(decode_u64_element(bytes(b), 9).bits, 0u);
  EXPECT_EQ(decode_u64_element(bytes(b), 10).status, DecodeStatus::kTruncated);
  EXPECT_EQ(decode_u64_element(Cut(b, 16).span(), 2).status, DecodeStatus::kTruncated);
  EXPECT_EQ(decode_u64_element(Cut(b, 20).span(), 0).status, DecodeStatus::kBadLength);
  EXPECT_EQ(decode_u64_element({}, 0).status, DecodeStatus::kTruncated);
}

TEST(DarwinSourceSpec, ParsesScalarsFieldsElementsAndComputed) {
  auto p = parse_darwin_source("sysctl:hw.optional.arm.FEAT_AES");
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.source.kind, DarwinSource::Kind::kScalar);
  EXPECT_EQ(p.source.name, "hw.optional.arm.FEAT_AES");
  p = parse_darwin_source("sysctl:vm.swapusage:used");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.source.kind, DarwinSource::Kind::kField);
  EXPECT_EQ(p.source.field, "used");
  p = parse_darwin_source("sysctl:hw.cacheconfig:[3]");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.source.kind, DarwinSource::Kind::kElement);
  EXPECT_EQ(p.source.index, 3u);
  p = parse_darwin_source("computed:uptime_seconds");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.source.kind, DarwinSource::Kind::kComputed);
  for (const char* bad : {"sysctl:", "sysctl:hw..ncpu", "sysctl:.hw", "meminfo:MemTotal",
                          "sysctl:hw.ncpu:", "sysctl:hw.cachesize:[x]", "sysctl:hw.cachesize:[]",
                          "sysctl:hw.cachesize:[64]", "sysctl:a:b:c", "computed:", "sysctl:a b"}) {
    EXPECT_FALSE(parse_darwin_source(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sysring::broker::darwin
