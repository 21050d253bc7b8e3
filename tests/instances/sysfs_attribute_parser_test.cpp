// Decoding of one sysfs attribute's text: decimal, kHz, hex flags, operstate, speed.
#include "sources/linux/sysfs_attribute_parser.hpp"

#include <gtest/gtest.h>

namespace sysring::broker::linux_instances {
namespace {

using Status = AttributeValue::Status;

AttributeValue parse(AttributeFormat format, std::string_view text) {
  return parse_attribute(format, text);
}

TEST(SysfsAttributeParser, DecimalTakesTheWholeTrimmedText) {
  EXPECT_EQ(parse(AttributeFormat::kDecimal, "1400\n").value, 1400U);
  EXPECT_EQ(parse(AttributeFormat::kDecimal, "0").status, Status::kOk);
  for (const char* bad : {"", "\n", "-1\n", "12 13\n", "0x10\n", "1.5\n", "abc\n"}) {
    EXPECT_EQ(parse(AttributeFormat::kDecimal, bad).status, Status::kMalformed) << bad;
  }
}

TEST(SysfsAttributeParser, KilohertzIsPublishedInHertz) {
  const AttributeValue v = parse(AttributeFormat::kKilohertz, "2400000\n");
  EXPECT_EQ(v.status, Status::kOk);
  EXPECT_EQ(v.value, 2'400'000'000U);
  EXPECT_EQ(parse(AttributeFormat::kKilohertz, "18446744073709551615\n").status, Status::kMalformed)
      << "an overflow is an error, never a wrapped value";
  EXPECT_EQ(parse(AttributeFormat::kKilohertz, "<unknown>\n").status, Status::kMalformed);
}

TEST(SysfsAttributeParser, HexFlagsNeedTheirPrefix) {
  EXPECT_EQ(parse(AttributeFormat::kHex, "0x1003\n").value, 0x1003U);
  EXPECT_EQ(parse(AttributeFormat::kHex, "0x9\n").value, 9U);
  EXPECT_EQ(parse(AttributeFormat::kHex, "0XfF\n").value, 255U);
  for (const char* bad : {"1003\n", "0x\n", "0x-1\n", "0x1g\n", "0x10000000000000000\n", ""}) {
    EXPECT_EQ(parse(AttributeFormat::kHex, bad).status, Status::kMalformed) << bad;
  }
}

TEST(SysfsAttributeParser, OperstateNamesMapToTheirIfOperCodes) {
  const std::pair<const char*, std::uint64_t> cases[] = {
      {"unknown\n", 0}, {"notpresent\n", 1}, {"down\n", 2}, {"lowerlayerdown\n", 3},
      {"testing\n", 4}, {"dormant\n", 5},    {"up\n", 6}};
  for (const auto& [text, code] : cases) {
    const AttributeValue v = parse(AttributeFormat::kOperstate, text);
    EXPECT_EQ(v.status, Status::kOk) << text;
    EXPECT_EQ(v.value, code) << text;
  }
  EXPECT_EQ(parse(AttributeFormat::kOperstate, "UP\n").status, Status::kMalformed);
  EXPECT_EQ(parse(AttributeFormat::kOperstate, "6\n").status, Status::kMalformed);
  EXPECT_EQ(parse(AttributeFormat::kOperstate, "").status, Status::kMalformed);
}

TEST(SysfsAttributeParser, SpeedMinusOneMeansNoValue) {
  EXPECT_EQ(parse(AttributeFormat::kSpeed, "10000\n").value, 10000U);
  EXPECT_EQ(parse(AttributeFormat::kSpeed, "-1\n").status, Status::kAbsent);
  EXPECT_EQ(parse(AttributeFormat::kSpeed, "fast\n").status, Status::kMalformed);
}

}  // namespace
}  // namespace sysring::broker::linux_instances
