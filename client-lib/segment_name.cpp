#include "sysring/segment_name.hpp"

#include "sysring/error.hpp"
#include "sysring/layout.hpp"

namespace sysring {

std::string segment_name_problem(std::string_view name) {
  if (name.size() < 2 || name.front() != '/') {
    return "segment name must start with '/' and have at least one more character";
  }
  if (name.size() > layout::kMaxNameChars) {
    // The name itself is not quoted: it may hold control characters, and errors are one line.
    return "segment name has " + std::to_string(name.size()) + " characters, more than " +
           std::to_string(layout::kMaxNameChars) + " (the macOS limit)";
  }
  for (const char c : name.substr(1)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return "segment name may only use letters, digits, '-', '_' and '.' after the '/'";
  }
  // "/." and "/.." are the shm directory and its parent; no name of dots alone is a segment.
  if (name.find_first_not_of('.', 1) == std::string_view::npos) {
    return "segment name must have a character other than '.' after the '/'";
  }
  return {};
}

void validate_segment_name(std::string_view name) {
  if (auto problem = segment_name_problem(name); !problem.empty()) {
    throw Error(ErrorCode::kInvalidName, problem);
  }
}

}  // namespace sysring
