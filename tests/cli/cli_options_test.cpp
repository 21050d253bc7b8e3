// The command line: the new verb and flag, and every misuse a one-line usage error (exit 2).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cli_options.hpp"
#include "exit_codes.hpp"

namespace sysring::cli {
namespace {

std::optional<CliOptions> parse(std::vector<std::string> args) {
  args.insert(args.begin(), "sysring");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return parse_cli(static_cast<int>(argv.size()), argv.data());
}

TEST(CliOptions, InstancesTakesAnOptionalDomain) {
  const auto all = parse({"instances"});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->verb, "instances");
  EXPECT_TRUE(all->args.empty());
  const auto disk = parse({"--json", "instances", "disk"});
  ASSERT_TRUE(disk);
  EXPECT_EQ(disk->args, std::vector<std::string>{"disk"});
  EXPECT_TRUE(disk->json);
}

TEST(CliOptions, ListAllAndSelectorsAsArguments) {
  const auto list = parse({"list", "--all"});
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->all);
  EXPECT_FALSE(parse({"list"})->all);
  const auto get = parse({"get", R"(disk.read_bytes{device="vda"})", "mem.total"});
  ASSERT_TRUE(get);
  EXPECT_EQ(get->args.size(), 2u);
  EXPECT_EQ(get->args.front(), R"(disk.read_bytes{device="vda"})");
}

TEST(CliOptions, MisuseIsAOneLineUsageError) {
  const std::vector<std::vector<std::string>> cases = {
      {"instances", "disk", "cpu"},
      {"get", "--all", "mem.total"},
      {"instances", "--all"},
      {"get"},
      {"list", "extra"},
      {"nosuchverb"},
      {"watch", "--count", "-1"},
      {"--bogus", "list"},
      {"ring", "--interval-ms", "5"},
  };
  for (const auto& args : cases) {
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    SCOPED_TRACE(joined);
    try {
      (void)parse(args);
      ADD_FAILURE() << "accepted";
    } catch (const CliError& e) {
      EXPECT_EQ(e.code(), kExitUsage);
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace sysring::cli
