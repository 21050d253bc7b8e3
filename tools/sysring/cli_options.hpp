// The parsed command line: one verb, its arguments and the flags shared by all verbs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sysring::cli {

struct CliOptions {
  std::string verb;
  std::vector<std::string> args;
  std::string segment = "/sysring";
  bool json = false;
  bool allow_stale = false;
  bool all = false;                          // list: unavailable metrics too
  std::optional<std::uint64_t> count;        // watch: exit after N batches; pmc, top: N refreshes
  std::optional<std::uint32_t> interval_ms;  // watch: poll interval
  std::optional<std::uint32_t> sample_ms;    // ring: how long to follow the ring
};

// Throws CliError(kExitUsage) on bad input. Returns nullopt after printing --help.
std::optional<CliOptions> parse_cli(int argc, char** argv);

}  // namespace sysring::cli
