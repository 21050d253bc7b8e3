// How `sysring watch` shows batches and liveness events: aligned text, or one JSON line each.
#pragma once

#include <cstdint>
#include <string>

#include "sysring/ring_follower.hpp"

namespace sysring::cli {

class WatchPrinter {
 public:
  explicit WatchPrinter(bool json) : json_(json) {}

  // A snapshot gets a one-line header then every value; a ring batch its changes. A batch that
  // follows a lap is preceded by the "lapped: lost N batches" line.
  void batch(const Client& client, const Batch& batch) const;

  // A change of broker health: stale, gone or alive again. `detail` is the line to show.
  void health(BrokerHealth health, const std::string& detail) const;
  void reattached(const SegmentInfo& info) const;
  void corrupt(std::uint64_t position, std::uint64_t corrupt_total) const;
  void attach_error(const std::string& message) const;

 private:
  void text_batch(const Client& client, const Batch& batch) const;
  void json_batch(const Client& client, const Batch& batch) const;

  bool json_;
};

}  // namespace sysring::cli
