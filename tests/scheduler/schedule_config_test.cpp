// Parsing sysringd's --config file: the accepted format and one clear line for each mistake.
#include "scheduler/schedule_config.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace sysring::broker {
namespace {

using schema::AccessPattern;

ScheduleOverrides parse(const std::string& text) {
  std::istringstream in(text);
  return parse_schedule_config(in, "test.conf");
}

// The error message, or "" when the text parses.
std::string error_of(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const ScheduleConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(ScheduleConfig, EmptyFileHasNoOverrides) {
  const ScheduleOverrides o = parse("");
  EXPECT_TRUE(o.metrics.empty());
  EXPECT_TRUE(o.categories.empty());
  EXPECT_EQ(o.file, "test.conf");
}

TEST(ScheduleConfig, ParsesMetricAndCategorySectionsWithDottedNames) {
  const ScheduleOverrides o = parse(
      "# comment\n"
      "; another comment\n"
      "[metric.mem.free]\n"
      "pattern = polled\n"
      "ttl_ms = 5000\n"
      "\n"
      "[category.net.tcp]\n"
      "ttl_ms=10000\n"
      "[metric.kernel.hostname]\n"
      "  pattern = STATIC  \n");
  ASSERT_EQ(o.metrics.size(), 2u);
  ASSERT_EQ(o.categories.size(), 1u);
  const Override& free = o.metrics.at("mem.free");
  EXPECT_EQ(free.section, "metric.mem.free");
  EXPECT_EQ(free.pattern, AccessPattern::Polled);
  EXPECT_EQ(free.ttl_ms, 5000u);
  const Override& tcp = o.categories.at("net.tcp");
  EXPECT_EQ(tcp.section, "category.net.tcp");
  EXPECT_FALSE(tcp.pattern.has_value());
  EXPECT_EQ(tcp.ttl_ms, 10000u);
  EXPECT_EQ(o.metrics.at("kernel.hostname").pattern, AccessPattern::Static);
  EXPECT_FALSE(o.metrics.at("kernel.hostname").ttl_ms.has_value());
}

TEST(ScheduleConfig, EveryPatternNameIsAccepted) {
  const ScheduleOverrides o = parse(
      "[metric.a]\npattern = polled\n[metric.b]\npattern = constrained\n"
      "[metric.c]\npattern = static\n[metric.d]\npattern = disabled\n"
      "[metric.e]\npattern = dynamic\n");
  EXPECT_EQ(o.metrics.at("a").pattern, AccessPattern::Polled);
  EXPECT_EQ(o.metrics.at("b").pattern, AccessPattern::Constrained);
  EXPECT_EQ(o.metrics.at("c").pattern, AccessPattern::Static);
  EXPECT_EQ(o.metrics.at("d").pattern, AccessPattern::Disabled);
  EXPECT_EQ(o.metrics.at("e").pattern, AccessPattern::Dynamic);
}

TEST(ScheduleConfig, TtlBounds) {
  EXPECT_EQ(parse("[metric.a]\nttl_ms = 1\n").metrics.at("a").ttl_ms, 1u);
  EXPECT_EQ(parse("[metric.a]\nttl_ms = 86400000\n").metrics.at("a").ttl_ms, kMaxTtlMs);
  for (const char* bad : {"0", "86400001", "-5", "5s", "1.5", "", "99999999999", "0x10"}) {
    const std::string e = error_of(std::string("[metric.a]\nttl_ms = ") + bad + "\n");
    EXPECT_EQ(e, std::string("test.conf: [metric.a]: ttl_ms must be whole milliseconds from 1 to "
                             "86400000, not '") +
                     bad + "'")
        << bad;
  }
}

TEST(ScheduleConfig, BadPatternNamesTheSectionAndValue) {
  EXPECT_EQ(error_of("[metric.mem.free]\npattern = often\n"),
            "test.conf: [metric.mem.free]: pattern must be polled, constrained, static, disabled "
            "or dynamic, not 'often'");
}

TEST(ScheduleConfig, UnknownKeyIsAnError) {
  EXPECT_EQ(error_of("[category.net.tcp]\nttl = 5000\n"),
            "test.conf: [category.net.tcp]: unknown key 'ttl' (known: pattern, ttl_ms)");
}

TEST(ScheduleConfig, UnknownSectionKindIsAnError) {
  EXPECT_EQ(error_of("[mem.free]\nttl_ms = 5000\n"),
            "test.conf: [mem.free]: unknown section (expected [metric.NAME] or [category.NAME])");
  EXPECT_NE(error_of("[metric.]\nttl_ms = 5000\n"), "");
  EXPECT_NE(error_of("[category.]\nttl_ms = 5000\n"), "");
}

TEST(ScheduleConfig, KeyOutsideASectionIsAnError) {
  EXPECT_EQ(error_of("ttl_ms = 5000\n"),
            "test.conf: key 'ttl_ms' outside a [metric.NAME] or [category.NAME] section");
}

TEST(ScheduleConfig, SyntaxErrorsNameTheLine) {
  EXPECT_EQ(error_of("[metric.a]\nttl_ms 5000\n"), "test.conf:2: '=' character not found in line");
  EXPECT_EQ(error_of("[metric.a\n"), "test.conf:1: unmatched '['");
  EXPECT_EQ(error_of("[metric.a]\nttl_ms = 1\nttl_ms = 2\n"), "test.conf:3: duplicate key name");
  EXPECT_EQ(error_of("[metric.a]\nttl_ms = 1\n[metric.a]\nttl_ms = 2\n"),
            "test.conf:3: duplicate section name");
}

TEST(ScheduleConfig, ErrorsAreOneLine) {
  for (const char* text : {"[x]\na=1\n", "[metric.a]\npattern = x\n", "k = v\n", "[metric.a\n"}) {
    const std::string e = error_of(text);
    ASSERT_FALSE(e.empty()) << text;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
}

TEST(ScheduleConfig, MissingFileIsAClearError) {
  try {
    (void)load_schedule_config("/nonexistent/sysringd.conf");
    FAIL() << "expected an error";
  } catch (const ScheduleConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "/nonexistent/sysringd.conf: cannot open: No such file or directory");
  }
}

}  // namespace
}  // namespace sysring::broker
