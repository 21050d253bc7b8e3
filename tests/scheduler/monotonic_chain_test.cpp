// The monotonic chain: overrides may only lower how often a metric is read, metric sections win
// over category sections key by key, and every refusal is one line naming file and section.
#include "scheduler/monotonic_chain.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace sysring::broker {
namespace {

using schema::AccessPattern;
using schema::ValueType;

registry::RegistryEntry row(std::uint16_t id, std::string_view name, std::string_view category,
                            AccessPattern pattern, std::uint32_t ttl_ms) {
  return {id,       name,    category, ValueType::U64, schema::InstanceDomain::None,
          "",       pattern, pattern,  ttl_ms,         "linux",
          "test:x", ""};
}

// A small registry covering every pattern.
const std::vector<registry::RegistryEntry> kRows = {
    row(1, "mem.total", "mem.pages", AccessPattern::Static, 0),
    row(2, "mem.free", "mem.pages", AccessPattern::Polled, 1000),
    row(3, "mem.cached", "mem.pages", AccessPattern::Polled, 2000),
    row(4, "net.tcp.active_opens", "net.tcp", AccessPattern::Polled, 1000),
    row(5, "net.tcp.syn_retries", "net.tcp", AccessPattern::Constrained, 30000),
    row(6, "kernel.events", "kernel", AccessPattern::Dynamic, 500),
    row(7, "kernel.off", "kernel", AccessPattern::Disabled, 0),
    row(8, "kernel.polled_default", "kernel", AccessPattern::Polled, 0),
};

std::vector<Schedule> resolve(const std::string& text) {
  std::istringstream in(text);
  return resolve_schedules(kRows, parse_schedule_config(in, "t.conf"));
}

std::string error_of(const std::string& text) {
  try {
    (void)resolve(text);
  } catch (const ScheduleConfigError& e) {
    return e.what();
  }
  return "";
}

Schedule S(AccessPattern p, std::uint32_t ttl) {
  return {p, ttl};
}

TEST(MonotonicChain, NoOverridesGiveTheRegistrySchedule) {
  const std::vector<Schedule> s = resolve("");
  ASSERT_EQ(s.size(), kRows.size());
  EXPECT_EQ(s[0], S(AccessPattern::Static, 0));
  EXPECT_EQ(s[1], S(AccessPattern::Polled, 1000));
  EXPECT_EQ(s[4], S(AccessPattern::Constrained, 30000));
  EXPECT_EQ(s[5], S(AccessPattern::Dynamic, 500));
  EXPECT_EQ(s[6], S(AccessPattern::Disabled, 0));
  EXPECT_EQ(s[7], S(AccessPattern::Polled, kDefaultTtlMs));  // ttl 0 means the default
}

TEST(MonotonicChain, LongerTtlIsAllowedAndEqualTtlToo) {
  const std::vector<Schedule> s = resolve(
      "[metric.mem.free]\npattern = polled\nttl_ms = 5000\n"
      "[metric.mem.cached]\nttl_ms = 2000\n");
  EXPECT_EQ(s[1], S(AccessPattern::Polled, 5000));
  EXPECT_EQ(s[2], S(AccessPattern::Polled, 2000));
  EXPECT_EQ(s[3], S(AccessPattern::Polled, 1000));  // untouched
}

TEST(MonotonicChain, EachStepDownTheChainIsAllowed) {
  const std::vector<Schedule> s = resolve(
      "[metric.mem.free]\npattern = constrained\nttl_ms = 60000\n"
      "[metric.mem.cached]\npattern = static\n"
      "[metric.net.tcp.active_opens]\npattern = disabled\n"
      "[metric.net.tcp.syn_retries]\npattern = static\n"
      "[metric.mem.total]\npattern = disabled\n"
      "[metric.kernel.events]\npattern = polled\nttl_ms = 500\n");
  EXPECT_EQ(s[0], S(AccessPattern::Disabled, 0));
  EXPECT_EQ(s[1], S(AccessPattern::Constrained, 60000));
  EXPECT_EQ(s[2], S(AccessPattern::Static, 0));
  EXPECT_EQ(s[3], S(AccessPattern::Disabled, 0));
  EXPECT_EQ(s[4], S(AccessPattern::Static, 0));
  EXPECT_EQ(s[5], S(AccessPattern::Polled, 500));
}

TEST(MonotonicChain, PatternChangeWithoutTtlKeepsTheRegistryTtl) {
  const std::vector<Schedule> s = resolve("[metric.mem.cached]\npattern = constrained\n");
  EXPECT_EQ(s[2], S(AccessPattern::Constrained, 2000));
}

TEST(MonotonicChain, ShorterTtlIsRefused) {
  EXPECT_EQ(error_of("[metric.mem.free]\nttl_ms = 500\n"),
            "t.conf: [metric.mem.free]: ttl_ms 500 is shorter than mem.free's registry TTL of "
            "1000 ms (configuration may only lower the frequency)");
  // Also when moving down the chain: CONSTRAINED at a shorter TTL still reads more often.
  EXPECT_NE(error_of("[metric.net.tcp.syn_retries]\nttl_ms = 29999\n"), "");
  // The default TTL counts as the registry's.
  EXPECT_NE(error_of("[metric.kernel.polled_default]\nttl_ms = 999\n"), "");
}

TEST(MonotonicChain, PatternsThatReadMoreOftenAreRefused) {
  EXPECT_EQ(error_of("[metric.mem.total]\npattern = polled\n"),
            "t.conf: [metric.mem.total]: pattern POLLED would read mem.total more often than its "
            "registry pattern STATIC (configuration may only lower the frequency: POLLED -> "
            "longer TTL -> CONSTRAINED -> STATIC -> DISABLED)");
  EXPECT_NE(error_of("[metric.mem.total]\npattern = constrained\n"), "");
  EXPECT_NE(error_of("[metric.net.tcp.syn_retries]\npattern = polled\n"), "");
  for (const char* p : {"polled", "constrained", "static", "dynamic"}) {
    EXPECT_NE(error_of(std::string("[metric.kernel.off]\npattern = ") + p + "\n"), "") << p;
  }
  EXPECT_EQ(resolve("[metric.kernel.off]\npattern = disabled\n")[6], S(AccessPattern::Disabled, 0));
}

TEST(MonotonicChain, OnlyADynamicMetricCanBeDynamic) {
  EXPECT_EQ(error_of("[metric.mem.free]\npattern = dynamic\n"),
            "t.conf: [metric.mem.free]: mem.free is POLLED in the registry; only a DYNAMIC "
            "metric can be DYNAMIC");
  EXPECT_EQ(resolve("[metric.kernel.events]\npattern = dynamic\nttl_ms = 800\n")[5],
            S(AccessPattern::Dynamic, 800));
}

TEST(MonotonicChain, TtlOnAReadOnceMetricIsAnError) {
  EXPECT_EQ(error_of("[metric.mem.total]\nttl_ms = 5000\n"),
            "t.conf: [metric.mem.total]: ttl_ms has no meaning for a STATIC metric (mem.total)");
  EXPECT_NE(error_of("[metric.mem.free]\npattern = disabled\nttl_ms = 5000\n"), "");
}

TEST(MonotonicChain, CategoryOverridesApplyToEveryMemberThatCanTakeThem) {
  const std::vector<Schedule> s = resolve("[category.mem.pages]\nttl_ms = 3000\n");
  EXPECT_EQ(s[0], S(AccessPattern::Static, 0));  // read once: a category TTL does not apply
  EXPECT_EQ(s[1], S(AccessPattern::Polled, 3000));
  EXPECT_EQ(s[2], S(AccessPattern::Polled, 3000));
  EXPECT_EQ(s[3], S(AccessPattern::Polled, 1000));  // another category
}

TEST(MonotonicChain, CategoryOverrideMustSuitEveryMember) {
  // net.tcp.syn_retries has a 30 s TTL: a 10 s category TTL would read it more often.
  EXPECT_EQ(error_of("[category.net.tcp]\nttl_ms = 10000\n"),
            "t.conf: [category.net.tcp]: ttl_ms 10000 is shorter than net.tcp.syn_retries's "
            "registry TTL of 30000 ms (configuration may only lower the frequency)");
  // ... unless the metric's own section says otherwise (metric wins).
  const std::vector<Schedule> s = resolve(
      "[category.net.tcp]\nttl_ms = 10000\n"
      "[metric.net.tcp.syn_retries]\nttl_ms = 30000\n");
  EXPECT_EQ(s[3], S(AccessPattern::Polled, 10000));
  EXPECT_EQ(s[4], S(AccessPattern::Constrained, 30000));
}

TEST(MonotonicChain, MetricKeysWinOverCategoryKeysOneByOne) {
  const std::vector<Schedule> s = resolve(
      "[category.mem.pages]\npattern = constrained\nttl_ms = 60000\n"
      "[metric.mem.free]\nttl_ms = 5000\n"
      "[metric.mem.cached]\npattern = static\n"
      // mem.total is STATIC: the category's CONSTRAINED would raise it, its own section keeps it.
      "[metric.mem.total]\npattern = static\n");
  EXPECT_EQ(s[0], S(AccessPattern::Static, 0));
  EXPECT_EQ(s[1], S(AccessPattern::Constrained, 5000));  // pattern from category, ttl own
  EXPECT_EQ(s[2], S(AccessPattern::Static, 0));          // own pattern; category TTL moot
}

TEST(MonotonicChain, CategoryPatternThatWouldRaiseAMemberIsRefusedNamingTheCategory) {
  const std::string e = error_of("[category.mem.pages]\npattern = polled\n");
  EXPECT_EQ(e.rfind("t.conf: [category.mem.pages]: pattern POLLED would read mem.total", 0), 0u)
      << e;
}

TEST(MonotonicChain, UnknownNamesAreErrors) {
  EXPECT_EQ(error_of("[metric.mem.nope]\nttl_ms = 5000\n"),
            "t.conf: [metric.mem.nope]: no metric named 'mem.nope'");
  EXPECT_EQ(error_of("[category.mem]\nttl_ms = 5000\n"),
            "t.conf: [category.mem]: no category named 'mem'");
}

}  // namespace
}  // namespace sysring::broker
