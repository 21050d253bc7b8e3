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
  // stat: the events (-e, comma lists, repeatable; empty: the default set), the process to
  // count (-p), the broker's request socket when not the one the segment names; the command
  // to run is `args` (after --). interval_ms (-I) prints interval deltas.
  std::vector<std::string> events;
  std::optional<std::int32_t> pid;
  std::optional<std::string> request_socket;
};

// Throws CliError(kExitUsage) on bad input. Returns nullopt after printing --help.
std::optional<CliOptions> parse_cli(int argc, char** argv);

}  // namespace sysring::cli
