// An instance exclusion from the config ([instances.disk] device_exclude, ...): an ECMAScript
// regex searched in the instance name (unanchored, like node_exporter; the defaults anchor
// themselves with ^ and $). An empty pattern excludes nothing.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <string_view>

namespace sysring::broker::linux_instances {

class NameFilter {
 public:
  // Compiles `pattern` once. Throws std::invalid_argument, one line naming `option`, when it is
  // not a valid regex.
  NameFilter(std::string_view option, const std::string& pattern);

  [[nodiscard]] bool excludes(std::string_view name) const { return matches(name); }
  [[nodiscard]] bool matches(std::string_view name) const;

 private:
  std::optional<std::regex> regex_;
};

}  // namespace sysring::broker::linux_instances
