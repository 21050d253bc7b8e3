#include "name_filter.hpp"

namespace sysring::broker::darwin {

NameFilter::NameFilter(const std::string& pattern) {
  if (pattern.empty()) return;
  try {
    regex_.emplace(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    error_ = "bad exclusion pattern '" + pattern + "': " + e.what();
  }
}

bool NameFilter::excluded(std::string_view name) {
  if (!regex_) return false;
  for (const auto& [seen, answer] : decided_) {
    if (seen == name) return answer;
  }
  if (decided_.size() >= kMaxRemembered) decided_.clear();
  const bool answer = std::regex_search(name.begin(), name.end(), *regex_);
  decided_.emplace_back(std::string(name), answer);
  return answer;
}

}  // namespace sysring::broker::darwin
