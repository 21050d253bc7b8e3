// How `sysring watch` shows batches and liveness events: one interface, a text printer (aligned
// tables, "+"/"-" lines for instances) and a JSON printer (one NDJSON line per event).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "sysring/ring_follower.hpp"

namespace sysring::cli {

class WatchPrinter {
 public:
  virtual ~WatchPrinter() = default;

  // A snapshot gets a one-line header then every instance and value; a ring batch its instance
  // events and changes. A batch that follows a lap says how many batches were lost. The
  // follower names the rows of instance values.
  virtual void batch(const Client& client, const RingFollower& follower, const Batch& batch) = 0;

  // A change of broker health: stale, gone or alive again. `detail` is the line to show.
  virtual void health(BrokerHealth health, const std::string& detail) = 0;
  virtual void reattached(const SegmentInfo& info) = 0;
  virtual void corrupt(std::uint64_t position, std::uint64_t corrupt_total) = 0;
  virtual void attach_error(const std::string& message) = 0;
};

[[nodiscard]] std::unique_ptr<WatchPrinter> make_text_watch_printer();
[[nodiscard]] std::unique_ptr<WatchPrinter> make_json_watch_printer();

}  // namespace sysring::cli
