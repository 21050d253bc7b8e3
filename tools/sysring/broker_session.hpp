// Attaching to the segment and judging whether the broker behind it is still current.
#pragma once

#include <string>

#include "cli_options.hpp"
#include "sysring/client.hpp"

namespace sysring::cli {

// Opens and validates the segment. Library errors become CliError: no segment or a bad one is
// exit 1; a closed or still-starting broker is exit 3.
[[nodiscard]] Client open_client(const CliOptions& options);

// Seconds since the broker's last heartbeat.
[[nodiscard]] double heartbeat_age_s(const SegmentInfo& info);

// Why the broker counts as gone, in words: "broker closed /x", "broker pid 12 has exited", ...
[[nodiscard]] std::string gone_reason(const Client& client);

// The one-line description of a broker that is not alive, e.g.
// "broker is stale: no heartbeat for 2.1 s". Empty when it is alive.
[[nodiscard]] std::string health_problem(const Client& client, BrokerHealth health);

// For verbs that present values: a stale or gone broker means the values are not current, so
// refuse (exit 3) unless --allow-stale, which downgrades it to a warning on stderr.
void require_current_values(const Client& client, const CliOptions& options);

}  // namespace sysring::cli
