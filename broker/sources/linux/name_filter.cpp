#include "name_filter.hpp"

#include <stdexcept>

namespace sysring::broker::linux_instances {

NameFilter::NameFilter(std::string_view option, const std::string& pattern) {
  if (pattern.empty()) return;
  try {
    regex_.emplace(pattern, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    std::string message(option);
    message.append(": bad regular expression '").append(pattern).append("': ").append(e.what());
    throw std::invalid_argument(message);
  }
}

bool NameFilter::matches(std::string_view name) const {
  return regex_.has_value() && std::regex_search(name.begin(), name.end(), *regex_);
}

}  // namespace sysring::broker::linux_instances
