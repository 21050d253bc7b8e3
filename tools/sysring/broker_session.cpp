#include "broker_session.hpp"

#include <cstdio>

#include "exit_codes.hpp"
#include "process_liveness.hpp"

namespace sysring::cli {

Client open_client(const CliOptions& options) {
  OpenOptions open_options;
  open_options.name = options.segment;
  try {
    return Client::open(open_options);
  } catch (const Error& e) {
    const bool broker_down = e.code() == ErrorCode::kNotLive;
    throw CliError(broker_down ? kExitBrokerDown : kExitError, e.what());
  }
}

double heartbeat_age_s(const SegmentInfo& info) {
  const std::uint64_t now = monotonic_ns();
  return now > info.heartbeat_ns ? static_cast<double>(now - info.heartbeat_ns) / 1e9 : 0.0;
}

std::string gone_reason(const Client& client) {
  const SegmentInfo info = client.info();
  if (info.state == layout::BrokerState::kClosed) return "broker closed " + info.name;
  // Client::health() does not say which check failed, so repeat the cheap one here.
  if (!detail::broker_process_running(info.broker_pid, info.start_mono_ns)) {
    return "broker pid " + std::to_string(info.broker_pid) + " has exited without closing " +
           info.name;
  }
  return info.name + " was removed or replaced by another broker";
}

std::string health_problem(const Client& client, BrokerHealth health) {
  char age[32];
  switch (health) {
    case BrokerHealth::kAlive:
      return {};
    case BrokerHealth::kStale:
      (void)std::snprintf(age, sizeof age, "%.1f", heartbeat_age_s(client.info()));
      return std::string("broker is stale: no heartbeat for ") + age + " s";
    case BrokerHealth::kGone:
      return "broker is gone: " + gone_reason(client);
  }
  return {};
}

void require_current_values(const Client& client, const CliOptions& options) {
  const std::string problem = health_problem(client, client.health());
  if (problem.empty()) return;
  if (!options.allow_stale) throw CliError(kExitBrokerDown, problem);
  (void)std::fprintf(stderr, "sysring: warning: %s; values may be out of date\n", problem.c_str());
}

}  // namespace sysring::cli
