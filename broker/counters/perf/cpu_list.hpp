// The kernel's CPU list format ("0-3,8,10-11\n", empty for none) as CPU numbers, and reading
// the possible/online lists under a sys root (a fixture tree in tests, "/sys" in the broker).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sysring::broker::counters::perf {

// Ascending, without duplicates; nullopt when the text is malformed. CPU numbers above
// kMaxCpuNumber are refused (a corrupt range must not make us allocate gigabytes).
[[nodiscard]] std::optional<std::vector<std::uint32_t>> parse_cpu_list(std::string_view text);
inline constexpr std::uint32_t kMaxCpuNumber = 65535;

// Reads <sys_root>/devices/system/cpu/<name> ("possible", "online"). On failure returns nullopt
// and sets `error` to one line naming the file.
[[nodiscard]] std::optional<std::vector<std::uint32_t>> read_cpu_list(const std::string& sys_root,
                                                                      std::string_view name,
                                                                      std::string& error);

}  // namespace sysring::broker::counters::perf
