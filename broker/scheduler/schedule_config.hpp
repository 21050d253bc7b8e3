// The scheduler's configuration file (sysringd --config): per-metric and per-category overrides
// of the access pattern and TTL. Parsing only; broker/scheduler/monotonic_chain.hpp decides
// whether the overrides are allowed. See docs/CONFIG.md for the format. [instances.DOMAIN]
// sections (what the instance sources leave out) are collected here and applied by
// broker/instances/instance_config.hpp.
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "descriptors_generated.h"

namespace sysring::broker {

// Every problem with the file, as one line naming the file and, where known, the section.
class ScheduleConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One [metric.NAME] or [category.NAME] section. Keys left out are not overridden.
struct Override {
  std::string section;  // as written, e.g. "metric.mem.free": named in error messages
  std::optional<schema::AccessPattern> pattern;
  std::optional<std::uint32_t> ttl_ms;
};

// The keys of one [instances.DOMAIN] section, as written (instance_config.hpp applies them).
using InstanceSection = std::map<std::string, std::string, std::less<>>;

struct ScheduleOverrides {
  std::string file;                                               // named in every error
  std::map<std::string, Override, std::less<>> metrics;           // by metric name
  std::map<std::string, Override, std::less<>> categories;        // by category name
  std::map<std::string, InstanceSection, std::less<>> instances;  // by domain name
  // [requests]: per-process counters' policy, as written (broker/requests/request_policy.hpp
  // parses it; docs/PROCESS_COUNTERS.md). Unset: no such section.
  std::optional<InstanceSection> requests;
};

// TTLs above a day are refused: a metric read that rarely should be STATIC or DISABLED.
inline constexpr std::uint32_t kMaxTtlMs = 86'400'000;

// Parses INI text (Boost.PropertyTree). `file` only labels error messages.
// Throws ScheduleConfigError.
ScheduleOverrides parse_schedule_config(std::istream& in, std::string_view file);

// Opens `path` and parses it. Throws ScheduleConfigError, also when the file cannot be read.
ScheduleOverrides load_schedule_config(const std::string& path);

}  // namespace sysring::broker
