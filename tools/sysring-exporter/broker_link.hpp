// The exporter's attachment to the broker: opens the segment when it appears, notices a broker
// that went stale or away, and re-attaches to a restarted one without restarting the exporter.
// Not thread-safe: the renderer calls it under its lock.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "sysring/client.hpp"

namespace sysring::exporter {

class BrokerLink {
 public:
  explicit BrokerLink(std::string segment);

  // Attaches if not attached (at most one attempt a second), re-attaches after a restart.
  // Returns the client, or nullptr while no valid segment is there.
  Client* refresh();

  [[nodiscard]] BrokerHealth health() const noexcept { return health_; }
  // Re-attachments to a new broker (a new epoch) since the exporter started.
  [[nodiscard]] std::uint64_t restarts() const noexcept { return restarts_; }
  [[nodiscard]] const std::string& segment() const noexcept { return segment_; }
  // Why the last attach failed (one line), or empty.
  [[nodiscard]] const std::string& last_error() const noexcept { return last_error_; }

 private:
  void attach();

  std::string segment_;
  std::optional<Client> client_;
  BrokerHealth health_ = BrokerHealth::kGone;
  std::uint64_t restarts_ = 0;
  std::uint64_t last_attempt_ns_ = 0;
  std::uint64_t epoch_ = 0;
  std::string last_error_;
};

}  // namespace sysring::exporter
