// An exclusion pattern over instance names (interfaces, mount points, filesystem types), matched
// like node_exporter's filters: a regex search, so the pattern anchors itself with ^ and $.
// Each name is matched once and the answer remembered, so a steady refresh runs no regex.
#pragma once

#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sysring::broker::darwin {

class NameFilter {
 public:
  // An empty pattern excludes nothing. A pattern std::regex refuses leaves the filter broken
  // (see error()); it then excludes nothing and the source using it reports nothing.
  explicit NameFilter(const std::string& pattern);

  [[nodiscard]] bool excluded(std::string_view name);
  // Empty, or why the pattern was refused.
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  // Remembered answers; forgotten all at once when full, so names that keep changing (utun42,
  // utun43, ...) cannot grow it without bound.
  static constexpr std::size_t kMaxRemembered = 1024;

  std::optional<std::regex> regex_;
  std::string error_;
  std::vector<std::pair<std::string, bool>> decided_;
};

}  // namespace sysring::broker::darwin
