// A soak client's hold on the broker: opens the segment when it is there, notes every change of
// Client::health() with its time, and re-attaches by itself when a new broker owns the name.
// What it noted goes into the client's summary, where tests/soak/soak.py matches it against the
// kills and stops it caused.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sysring/client.hpp"
#include "value_audit.hpp"

namespace sysring::soak {

struct HealthChange {
  std::uint32_t pid = 0;  // of the broker the client was attached to
  BrokerHealth to = BrokerHealth::kAlive;
  // CLOCK_MONOTONIC when the health() call that answered `to` returned: the client knew then.
  // (Its start, check_start_ns, can precede the kill it reports: a client descheduled inside
  // health() between its start and its liveness probe sees a broker killed meanwhile.)
  std::uint64_t at_ns = 0;
  std::uint64_t check_start_ns = 0;
  // The check before, which still said the old health: the library answered that until then
  // (the time between the two is this client's scheduling, not the library's).
  std::uint64_t previous_check_ns = 0;
};

struct Attach {
  std::uint32_t pid = 0;
  std::uint64_t epoch = 0;
  std::uint64_t segment_start_ns = 0;  // the segment's start_mono_ns (just before its first tick)
  std::uint64_t attached_ns = 0;
  std::uint64_t first_read_ns = 0;  // first value read from it with status ok; 0: none yet
  bool reattach = false;            // by Client::reattach(), not the first open
};

class Attachment {
 public:
  Attachment(std::string segment, Tally& tally) : segment_(std::move(segment)), tally_(tally) {}

  // Attached client, or nullptr while no live segment is there. Call often: each call checks
  // health (a few system calls) and, when the broker is not alive, whether a new one came.
  Client* step();
  // A value was read with status ok: completes the current attach's re-attach time.
  void read_ok();

  [[nodiscard]] const std::vector<HealthChange>& changes() const { return changes_; }
  [[nodiscard]] const std::vector<Attach>& attaches() const { return attaches_; }

 private:
  void attached(bool by_reattach);
  [[nodiscard]] bool name_changed() const;

  static constexpr std::size_t kMaxRecords = 20000;  // bounded summaries on long runs

  std::string segment_;
  Tally& tally_;
  std::optional<Client> client_;
  BrokerHealth health_ = BrokerHealth::kAlive;
  dev_t device_ = 0;
  ino_t inode_ = 0;
  std::uint64_t last_open_ns_ = 0;
  std::uint64_t last_check_ns_ = 0;
  std::vector<HealthChange> changes_;
  std::vector<Attach> attaches_;
};

}  // namespace sysring::soak
