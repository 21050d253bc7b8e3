// Paths under the proc and sys roots, and why one cannot be read, as one-line reasons
// ("/sys/devices/system/cpu/cpu0/cpufreq: No such file or directory").
#pragma once

#include <string>
#include <string_view>

namespace sysring::broker::linux_instances {

// `root` + "/" + `relative`, with one slash between them whatever `root` ends with.
std::string join_path(std::string_view root, std::string_view relative);

// strerror-style text for an errno value.
std::string errno_text(int err);

// "<path>: <errno text>".
std::string path_error(std::string_view path, int err);

// Empty when `path` exists (stat succeeds); else path_error() of why not.
std::string missing_reason(const std::string& path);

}  // namespace sysring::broker::linux_instances
