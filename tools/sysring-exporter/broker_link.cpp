#include "broker_link.hpp"

#include "exporter_log.hpp"

namespace sysring::exporter {

namespace {
constexpr std::uint64_t kRetryNs = 1'000'000'000;
}

BrokerLink::BrokerLink(std::string segment) : segment_(std::move(segment)) {}

void BrokerLink::attach() {
  const std::uint64_t now = monotonic_ns();
  if (last_attempt_ns_ != 0 && now - last_attempt_ns_ < kRetryNs) return;
  last_attempt_ns_ = now;
  try {
    OpenOptions options;
    options.name = segment_;
    client_.emplace(Client::open(options));
    if (epoch_ != 0 && client_->epoch() != epoch_) ++restarts_;
    epoch_ = client_->epoch();
    if (!last_error_.empty() || restarts_ == 0) {
      log(LogLevel::kInfo, "attached to the broker", {{"segment", segment_}});
    }
    last_error_.clear();
  } catch (const Error& e) {
    if (last_error_ != e.what()) {
      log(LogLevel::kWarn, "broker not available", {{"segment", segment_}, {"err", e.what()}});
    }
    last_error_ = e.what();
  }
}

Client* BrokerLink::refresh() {
  if (!client_) attach();
  if (!client_) {
    health_ = BrokerHealth::kGone;
    return nullptr;
  }
  health_ = client_->health();
  if (health_ == BrokerHealth::kGone) {
    try {
      if (client_->reattach()) {
        ++restarts_;
        epoch_ = client_->epoch();
        health_ = client_->health();
        log(LogLevel::kInfo, "re-attached to a restarted broker", {{"segment", segment_}});
      }
    } catch (const Error& e) {
      // The new segment failed validation: keep serving broker_up 0 and try again later.
      if (last_error_ != e.what()) {
        log(LogLevel::kWarn, "cannot re-attach", {{"segment", segment_}, {"err", e.what()}});
      }
      last_error_ = e.what();
      client_.reset();
      return nullptr;
    }
  }
  return &*client_;
}

}  // namespace sysring::exporter
