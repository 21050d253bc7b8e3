// The registry's access-pattern classification against this machine (issue 3, item 2):
// a /proc/sys file with a write bit is a tunable, so its row is CONSTRAINED, and a CONSTRAINED
// sysctl row names a file that has a write bit. Rows whose file this machine lacks are skipped.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <set>
#include <string>

#include "source_spec.hpp"
#include "sysring/registry_data.hpp"

namespace sysring::broker {
namespace {

using schema::AccessPattern;

TEST(Classification, WritableSysctlFilesAreConstrainedAndOnlyThose) {
  struct stat probe {};
  if (::stat("/proc/sys/kernel/ostype", &probe) != 0) GTEST_SKIP() << "no Linux /proc/sys here";
  int checked = 0;
  int skipped = 0;
  for (const auto& row : registry::kEntries) {
    if (row.platform != "linux" || !row.source.starts_with("sysctl:")) continue;
    const ParsedSource parsed = parse_source(row.source);
    ASSERT_TRUE(parsed.ok()) << row.name << ": " << parsed.error;
    const std::string path = "/proc/" + parsed.spec.path;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      ++skipped;
      continue;
    }
    ++checked;
    const bool writable = (st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)) != 0;
    if (writable) {
      EXPECT_EQ(row.kernel_pattern, AccessPattern::Constrained)
          << row.name << ": " << path << " has a write bit, so it is a tunable";
    }
    if (row.kernel_pattern == AccessPattern::Constrained) {
      EXPECT_TRUE(writable) << row.name << ": CONSTRAINED, but " << path << " has no write bit";
    }
  }
  std::printf("  %d sysctl rows checked against their file modes, %d absent here\n", checked,
              skipped);
  EXPECT_GT(checked, 0);
}

TEST(Classification, TtlsFollowThePattern) {
  for (const auto& row : registry::kEntries) {
    if (row.platform != "linux") continue;
    if (row.kernel_pattern == AccessPattern::Static) {
      EXPECT_EQ(row.ttl_ms, 0U) << row.name << ": STATIC is read once";
    }
    if (row.recommended_pattern == AccessPattern::Polled ||
        row.recommended_pattern == AccessPattern::Constrained) {
      EXPECT_GT(row.ttl_ms, 0U) << row.name << ": a polled metric needs a period";
    }
    // Hardware facts from sysfs are STATIC unless they are writable or can change (CPU hotplug).
    if (row.source.starts_with("sysfs:devices/system/cpu/cpu") ||
        row.source.starts_with("sysfs:class/dmi/")) {
      EXPECT_EQ(row.kernel_pattern, AccessPattern::Static) << row.name;
    }
  }
}

TEST(Classification, RegistryCoversTheDomains) {
  std::set<std::string_view> categories;
  std::size_t rows = 0;
  for (const auto& row : registry::kEntries) {
    if (row.platform != "linux") continue;
    ++rows;
    categories.insert(row.category);
  }
  EXPECT_GE(rows, 250U);
  EXPECT_GE(categories.size(), 30U);
}

}  // namespace
}  // namespace sysring::broker
