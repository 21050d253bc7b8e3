// Segment names: "/" followed by 1..30 characters from [A-Za-z0-9._-], not dots alone ("/." and
// "/.." name directories); macOS allows 31 in all.
#pragma once

#include <string>
#include <string_view>

namespace sysring {

inline constexpr std::string_view kDefaultSegmentName = "/sysring";

// Empty when valid, otherwise a one-line reason.
[[nodiscard]] std::string segment_name_problem(std::string_view name);

// Throws Error(kInvalidName) with that reason.
void validate_segment_name(std::string_view name);

}  // namespace sysring
