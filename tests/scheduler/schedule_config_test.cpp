// Parsing sysringd's --config file: the accepted format and one clear line for each mistake.
#include "scheduler/schedule_config.hpp"
#include "instances/instance_config.hpp"

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
            "test.conf: [mem.free]: unknown section (expected [metric.NAME], [category.NAME], "
            "[instances.DOMAIN] or [requests])");
  EXPECT_NE(error_of("[metric.]\nttl_ms = 5000\n"), "");
  EXPECT_NE(error_of("[category.]\nttl_ms = 5000\n"), "");
}

TEST(ScheduleConfig, KeyOutsideASectionIsAnError) {
  EXPECT_EQ(error_of("ttl_ms = 5000\n"),
            "test.conf: key 'ttl_ms' outside a [metric.NAME], [category.NAME], "
            "[instances.DOMAIN] or [requests] section");
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

// [instances.DOMAIN]: what the instance sources leave out, applied over the defaults.
InstanceConfig instance_config_of(const std::string& text) {
  std::istringstream in(text);
  InstanceConfig c;
  apply_instance_sections(parse_schedule_config(in, "test.conf"), c);
  return c;
}

std::string instance_error_of(const std::string& text) {
  try {
    (void)instance_config_of(text);
  } catch (const ScheduleConfigError& e) {
    return e.what();
  }
  return {};
}

TEST(InstanceConfig, SectionsReplaceTheDefaultsTheyName) {
  const InstanceConfig defaults;
  EXPECT_NE(defaults.disk_exclude.find("loop"), std::string::npos) << "node_exporter's default";
  const InstanceConfig c = instance_config_of(
      "[instances.disk]\ndevice_exclude = ^loop\\d+$\n"
      "[instances.filesystem]\nstatfs_timeout_ms = 2500\nstatfs_inline_types = ^ext4$\n"
      "[instances.cgroup]\nroot = /sys/fs/cgroup/unified\ndepth = 2\n"
      "[metric.mem.free]\nttl_ms = 5000\n");
  EXPECT_EQ(c.disk_exclude, "^loop\\d+$");
  EXPECT_EQ(c.statfs_timeout_ms, 2500u);
  EXPECT_EQ(c.statfs_inline_types, "^ext4$");
  EXPECT_EQ(c.cgroup_root, "/sys/fs/cgroup/unified");
  EXPECT_EQ(c.cgroup_depth, 2u);
  EXPECT_EQ(c.fs_types_exclude, defaults.fs_types_exclude) << "keys left out keep their default";
  EXPECT_NE(defaults.statfs_inline_types.find("ext"), std::string::npos);
  EXPECT_EQ(c.netif_exclude, "");
}

TEST(InstanceConfig, BadSettingsAreOneLineErrors) {
  EXPECT_EQ(instance_error_of("[instances.gpu]\na = 1\n"),
            "test.conf: [instances.gpu]: unknown instance domain (with settings: disk, netif, "
            "filesystem, cgroup)");
  EXPECT_EQ(
      instance_error_of("[instances.disk]\nexclude = x\n"),
      "test.conf: [instances.disk]: unknown key 'exclude' (known: device_exclude, udev_data)");
  EXPECT_NE(instance_error_of("[instances.netif]\ndevice_exclude = ^(eth\n")
                .find("device_exclude is not a valid regular expression"),
            std::string::npos);
  EXPECT_EQ(instance_error_of("[instances.cgroup]\ndepth = 0\n"),
            "test.conf: [instances.cgroup]: depth must be a whole number from 1 to 8, not '0'");
  EXPECT_EQ(instance_error_of("[instances.cgroup]\nroot = sys/fs/cgroup\n"),
            "test.conf: [instances.cgroup]: root must be an absolute path, not 'sys/fs/cgroup'");
  EXPECT_EQ(instance_error_of("[instances.filesystem]\nstatfs_timeout_ms = 5\n"),
            "test.conf: [instances.filesystem]: statfs_timeout_ms must be a whole number from 10 "
            "to 600000, not '5'");
}

}  // namespace
}  // namespace sysring::broker
