#include "attachment.hpp"

#include <sys/stat.h>

#include "sysring/error.hpp"

namespace sysring::soak {

namespace {

constexpr std::uint64_t kOpenRetryNs = 2'000'000;  // a missing segment is looked for every 2 ms

const char* error_kind(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kNotLive:
      return "not_live";
    case ErrorCode::kBadSegment:
      return "bad_segment";
    case ErrorCode::kPermission:
      return "permission";
    default:
      return "other";
  }
}

}  // namespace

void Attachment::attached(bool by_reattach) {
  const SegmentInfo info = client_->info();
  device_ = static_cast<dev_t>(info.device);
  inode_ = static_cast<ino_t>(info.inode);
  health_ = BrokerHealth::kAlive;
  if (attaches_.size() < kMaxRecords) {
    attaches_.push_back(
        {info.broker_pid, info.epoch, info.start_mono_ns, monotonic_ns(), 0, by_reattach});
  }
}

// Whether the name now holds another object than the one mapped: a cheap stat, so that
// Client::reattach (which maps and validates a whole segment) runs only when it can succeed.
bool Attachment::name_changed() const {
  struct stat st {};
  const std::string path = "/dev/shm" + segment_;
  if (::stat(path.c_str(), &st) != 0) return false;
  return st.st_dev != device_ || st.st_ino != inode_;
}

Client* Attachment::step() {
  const std::uint64_t now = monotonic_ns();
  if (!client_) {
    if (now - last_open_ns_ < kOpenRetryNs) return nullptr;
    last_open_ns_ = now;
    try {
      OpenOptions options;
      options.name = segment_;
      client_.emplace(Client::open(options));
      attached(false);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound && e.code() != ErrorCode::kNotLive) {
        tally_.error(std::string("open_") + error_kind(e.code()));
      }
      return nullptr;
    }
    return &*client_;
  }
  const BrokerHealth health = client_->health();
  if (health != health_) {
    health_ = health;
    if (changes_.size() < kMaxRecords) {
      const std::uint64_t answered = monotonic_ns();
      changes_.push_back({client_->info().broker_pid, health, answered, now, last_check_ns_});
    }
  }
  last_check_ns_ = now;
  if (health != BrokerHealth::kAlive && name_changed()) {
    try {
      if (client_->reattach()) attached(true);
    } catch (const Error& e) {
      tally_.error(std::string("reattach_") + error_kind(e.code()));
    }
  }
  return &*client_;
}

void Attachment::read_ok() {
  if (!attaches_.empty() && attaches_.back().first_read_ns == 0) {
    attaches_.back().first_read_ns = monotonic_ns();
  }
}

}  // namespace sysring::soak
