// Prometheus-style selectors: which values of a family a command line names.
//
//   disk.read_bytes                          every instance
//   disk.read_bytes{device="vda"}            label equals
//   netif.rx_bytes{device!="lo"}             label differs
//   filesystem.avail_bytes{fstype=~"ext.*"}  label matches the regex, whole (anchored)
//   cpu.user{instance!~"cpu[0-3]"}           `instance` is the instance's name
//
// Matchers are separated by commas (a trailing comma is fine) and all must accept. Values are
// double-quoted; inside them \" is a quote, \\ a backslash, \n and \t as in C. Regexes are
// ECMAScript (std::regex). As in Prometheus a label an instance lacks reads as "", so a scalar
// (no labels, no name) is accepted exactly when every matcher accepts "".
#pragma once

#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "sysring/instances.hpp"

namespace sysring::cli {

enum class MatchOp : std::uint8_t { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// The label that means "the instance's name", not a label the broker publishes.
inline constexpr std::string_view kInstanceLabel = "instance";

struct LabelMatcher {
  std::string label;
  MatchOp op = MatchOp::kEqual;
  std::string value;
  std::shared_ptr<const std::regex> regex;  // =~ and !~: compiled once at parse time

  [[nodiscard]] bool accepts(std::string_view label_value) const;
};

struct Selector {
  std::string family;
  std::vector<LabelMatcher> matchers;

  [[nodiscard]] bool matches(const Instance& instance) const;
  [[nodiscard]] bool matches_scalar() const;
  // The matchers written back in canonical form, `{device="sdz",fstype=~"ext.*"}`; "" when there
  // are none. Not yet made printable: callers pass it through printable().
  [[nodiscard]] std::string matchers_text() const;
};

// Parses one selector. Throws CliError(kExitUsage) with the selector, the position and what was
// expected, e.g. "bad selector 'disk.read_bytes{device}': expected '=', '!=', '=~' or '!~' at
// character 22". A bad regex is refused here too.
[[nodiscard]] Selector parse_selector(std::string_view text);

}  // namespace sysring::cli
