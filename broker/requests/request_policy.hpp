// The [requests] section of the broker's config file (docs/PROCESS_COUNTERS.md "Policy",
// docs/CONFIG.md): who may ask for per-process counters, for which events, kernel mode, quotas.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "counters/perf/perf_event_spec.hpp"

namespace sysring::broker::requests {

enum class Allow { kAll, kGroup, kNone };

struct RequestPolicy {
  bool enabled = true;
  Allow allow = Allow::kAll;
  std::string group_name;  // Allow::kGroup
  gid_t group = 0;
  bool all_events = true;
  std::vector<counters::perf::PerfEventSpec> events;  // when !all_events, resolved
  bool kernel = false;
  std::uint32_t max_per_uid = 64;
  std::uint32_t max_total = 1024;
};

// The keys of [requests] as written (absent section: nullptr, all defaults). `file` labels the
// errors; `group_file` is where `allow = group NAME` is looked up. Throws ScheduleConfigError
// (broker/scheduler/schedule_config.hpp), one line naming the file and the section.
[[nodiscard]] RequestPolicy parse_request_policy(
    const std::map<std::string, std::string, std::less<>>* keys, std::string_view file,
    const std::string& group_file = "/etc/group");

// "allow all, user mode only, 64 per uid": the log line's parenthesis.
[[nodiscard]] std::string describe_policy(const RequestPolicy& policy);

// Whether `allow` lets the caller (SO_PEERCRED uid and gid) ask: Allow::kGroup is the primary
// gid, or the caller's user name (from passwd_file) listed as a member in group_file.
[[nodiscard]] bool caller_allowed(const RequestPolicy& policy, uid_t uid, gid_t gid,
                                  const std::string& passwd_file = "/etc/passwd",
                                  const std::string& group_file = "/etc/group");

// Whether `events` allows the resolved event.
[[nodiscard]] bool event_allowed(const RequestPolicy& policy,
                                 const counters::perf::PerfEventSpec& event);

}  // namespace sysring::broker::requests
