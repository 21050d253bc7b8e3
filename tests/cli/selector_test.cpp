// Selectors: the Prometheus grammar (four operators, escapes, commas, spaces), every malformed
// form refused as a one-line usage error naming where, and matching with Prometheus' meaning
// (anchored regexes, an absent label reads as "", the `instance` pseudo-label, scalars).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "exit_codes.hpp"
#include "selector.hpp"

namespace sysring::cli {
namespace {

Instance instance(std::string name, std::vector<InstanceLabel> labels) {
  Instance i;
  i.domain = InstanceDomain::Disk;
  i.name = std::move(name);
  i.live = true;
  i.labels = std::move(labels);
  return i;
}

const Instance kVda = instance("vda", {{"device", "vda"}});
const Instance kRoot =
    instance("/", {{"device", "/dev/vda"}, {"fstype", "ext4"}, {"mountpoint", "/"}});

bool selects(const std::string& text, const Instance& i) {
  return parse_selector(text).matches(i);
}

TEST(SelectorParse, ANameAloneSelectsEveryInstance) {
  const Selector s = parse_selector("disk.read_bytes");
  EXPECT_EQ(s.family, "disk.read_bytes");
  EXPECT_TRUE(s.matchers.empty());
  EXPECT_TRUE(s.matches(kVda));
  EXPECT_TRUE(s.matches_scalar());
  EXPECT_EQ(s.matchers_text(), "");
  EXPECT_TRUE(parse_selector("disk.read_bytes{}").matchers.empty());
}

TEST(SelectorParse, FourOperatorsSpacesAndATrailingComma) {
  const Selector s = parse_selector(
      R"( fs.size_bytes { device = "a", fstype != "b",mountpoint=~"c.*" , instance!~"d", } )");
  EXPECT_EQ(s.family, "fs.size_bytes");
  ASSERT_EQ(s.matchers.size(), 4u);
  EXPECT_EQ(s.matchers[0].label, "device");
  EXPECT_EQ(s.matchers[0].op, MatchOp::kEqual);
  EXPECT_EQ(s.matchers[0].value, "a");
  EXPECT_EQ(s.matchers[1].op, MatchOp::kNotEqual);
  EXPECT_EQ(s.matchers[2].op, MatchOp::kRegexMatch);
  EXPECT_EQ(s.matchers[2].value, "c.*");
  EXPECT_NE(s.matchers[2].regex, nullptr);
  EXPECT_EQ(s.matchers[3].op, MatchOp::kRegexNoMatch);
  EXPECT_EQ(s.matchers[3].label, "instance");
  EXPECT_EQ(s.matchers_text(), R"({device="a",fstype!="b",mountpoint=~"c.*",instance!~"d"})");
}

TEST(SelectorParse, EscapesInValuesAndBackInTheCanonicalText) {
  const Selector s = parse_selector(R"(cgroup.memory_current{cgroup="/a\"b\\c\nd\te"})");
  ASSERT_EQ(s.matchers.size(), 1u);
  EXPECT_EQ(s.matchers[0].value, "/a\"b\\c\nd\te");
  // The canonical text parses back to the same value (tabs stay raw; printable() shows them).
  const Selector again = parse_selector(s.family + s.matchers_text());
  EXPECT_EQ(again.matchers[0].value, s.matchers[0].value);
}

struct BadSelector {
  const char* text;
  const char* why;  // in the message
  int character;    // 1-based, where the parser stopped
};

TEST(SelectorParse, MalformedSelectorsAreOneLineUsageErrorsSayingWhere) {
  const std::vector<BadSelector> cases = {
      {"", "expected a metric name", 1},
      {"{device=\"vda\"}", "expected a metric name", 1},
      {"disk.read_bytes{", "expected a label name", 17},
      {"disk.read_bytes{device}", "expected '=', '!=', '=~' or '!~'", 23},
      {"disk.read_bytes{device=vda}", "expected a double-quoted value", 24},
      {"disk.read_bytes{device!vda}", "expected '=', '!=', '=~' or '!~'", 23},
      {"disk.read_bytes{device=\"vda\"", "expected ',' or '}'", 29},
      {"disk.read_bytes{device=\"vda", "unterminated value", 28},
      {"disk.read_bytes{device=\"vda\\", "unterminated value", 29},
      {"disk.read_bytes{device=\"a\\qb\"}", "unknown escape", 26},
      {"disk.read_bytes{device=\"a\" fstype=\"b\"}", "expected ',' or '}'", 28},
      {"disk.read_bytes{device=\"vda\"} x", "unexpected text after '}'", 31},
      {"disk.read_bytes{,}", "expected a label name", 17},
      {"disk.read_bytes{1device=\"x\"}", "expected a label name", 17},
      {"disk.read_bytes x", "expected '{' or the end", 17},
      {"disk.read_bytes{device=~\"[\"}", "bad regex", 25},
      {"disk.read_bytes{device!~\"(\"}", "bad regex", 25},
  };
  for (const BadSelector& c : cases) {
    SCOPED_TRACE(c.text);
    try {
      (void)parse_selector(c.text);
      ADD_FAILURE() << "accepted";
    } catch (const CliError& e) {
      const std::string message = e.what();
      EXPECT_EQ(e.code(), kExitUsage);
      EXPECT_EQ(message.find('\n'), std::string::npos) << message;
      EXPECT_NE(message.find(std::string("bad selector '") + c.text + "'"), std::string::npos)
          << message;
      EXPECT_NE(message.find(c.why), std::string::npos) << message;
      EXPECT_NE(message.find("at character " + std::to_string(c.character)), std::string::npos)
          << message;
    }
  }
}

TEST(SelectorParse, HostileTextIsShownPrintable) {
  try {
    (void)parse_selector("disk\x1b[31m{\n");
    ADD_FAILURE() << "accepted";
  } catch (const CliError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.find('\x1b'), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_NE(message.find("\\x1b"), std::string::npos) << message;
  }
}

TEST(SelectorMatch, EqualAndNotEqual) {
  EXPECT_TRUE(selects(R"(d{device="vda"})", kVda));
  EXPECT_FALSE(selects(R"(d{device="vd"})", kVda));
  EXPECT_FALSE(selects(R"(d{device!="vda"})", kVda));
  EXPECT_TRUE(selects(R"(d{device!="sda"})", kVda));
}

TEST(SelectorMatch, RegexesMatchTheWholeValue) {
  EXPECT_TRUE(selects(R"(d{device=~"vd."})", kVda));
  EXPECT_TRUE(selects(R"(d{device=~"sda|vda"})", kVda));
  EXPECT_FALSE(selects(R"(d{device=~"vd"})", kVda)) << "anchored at the end";
  EXPECT_FALSE(selects(R"(d{device=~"da"})", kVda)) << "anchored at the start";
  EXPECT_FALSE(selects(R"(d{device!~"v.*"})", kVda));
  EXPECT_TRUE(selects(R"(d{device!~"s.*"})", kVda));
  EXPECT_TRUE(selects(R"(d{fstype=~"ext\\d"})", kRoot)) << "\\\\ in the value is one backslash";
}

TEST(SelectorMatch, EveryMatcherMustHold) {
  EXPECT_TRUE(selects(R"(fs.size_bytes{fstype="ext4",mountpoint="/"})", kRoot));
  EXPECT_FALSE(selects(R"(fs.size_bytes{fstype="ext4",mountpoint="/boot"})", kRoot));
  EXPECT_FALSE(selects(R"(fs.size_bytes{fstype="ext4",fstype!="ext4"})", kRoot));
}

TEST(SelectorMatch, AnAbsentLabelReadsAsEmpty) {
  EXPECT_FALSE(selects(R"(d{fstype="ext4"})", kVda));
  EXPECT_TRUE(selects(R"(d{fstype=""})", kVda));
  EXPECT_TRUE(selects(R"(d{fstype!="ext4"})", kVda));
  EXPECT_FALSE(selects(R"(d{fstype=~".+"})", kVda));
}

TEST(SelectorMatch, InstanceIsTheInstanceName) {
  EXPECT_TRUE(selects(R"(fs.size_bytes{instance="/"})", kRoot));
  EXPECT_FALSE(selects(R"(fs.size_bytes{instance="/dev/vda"})", kRoot));
  EXPECT_TRUE(selects(R"(d{instance=~"v.*",device="vda"})", kVda));
}

TEST(SelectorMatch, AScalarHasNoLabelsAndNoName) {
  EXPECT_TRUE(parse_selector("mem.total").matches_scalar());
  EXPECT_TRUE(parse_selector("mem.total{}").matches_scalar());
  EXPECT_FALSE(parse_selector(R"(mem.total{device="vda"})").matches_scalar());
  EXPECT_TRUE(parse_selector(R"(mem.total{device!="vda"})").matches_scalar());
  EXPECT_TRUE(parse_selector(R"(mem.total{instance=~".*"})").matches_scalar());
  EXPECT_FALSE(parse_selector(R"(mem.total{instance=~".+"})").matches_scalar());
}

}  // namespace
}  // namespace sysring::cli
