#include "file_snapshots.hpp"

#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <system_error>

namespace sysring::broker {
namespace {

std::string errno_text(int err) {
  return std::generic_category().message(err);
}

std::string join_path(const std::string& root, std::string_view relative) {
  std::string path = root;
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  if (!path.ends_with('/')) path.push_back('/');
  return path.append(relative);
}

int refresh(ProcfsFile& file) {
  return file.is_open() ? file.refresh() : file.open_error();
}

constexpr Reading ok(std::uint64_t value) {
  return {layout::SlotStatus::kOk, value};
}
constexpr Reading kReadError{layout::SlotStatus::kReadError, 0};

bool wants_u64(schema::ValueType type, std::string& reason) {
  if (type == schema::ValueType::U64) return true;
  reason = "these values are u64";
  return false;
}

}  // namespace

// ---- conntrack_stat ----

// An iterated seq_file (one line per CPU): read until EOF.
ConntrackStatSnapshot::ConntrackStatSnapshot(const std::string& proc_root)
    : file_(join_path(proc_root, "net/stat/nf_conntrack")) {}

std::optional<std::size_t> ConntrackStatSnapshot::bind(std::string_view key, schema::ValueType type,
                                                       std::string& reason) {
  const auto it = std::find(kConntrackStatFields.begin(), kConntrackStatFields.end(), key);
  if (it == kConntrackStatFields.end()) {
    reason = "no conntrack statistic '" + std::string(key) + "'";
    return std::nullopt;
  }
  if (!wants_u64(type, reason)) return std::nullopt;
  return static_cast<std::size_t>(it - kConntrackStatFields.begin());
}

void ConntrackStatSnapshot::take() {
  error_ = refresh(file_);
  totals_ = error_ == 0 ? sum_conntrack_stat(file_.contents()) : ConntrackStatTotals{};
}

Reading ConntrackStatSnapshot::value(std::size_t index) const {
  if (error_ != 0 || totals_.malformed || index >= totals_.sums.size() || !totals_.present[index])
    return kReadError;
  return ok(totals_.sums[index]);
}

std::string ConntrackStatSnapshot::why(std::size_t index) const {
  if (error_ != 0) return file_.path() + ": " + errno_text(error_);
  if (totals_.malformed) return file_.path() + ": malformed";
  return file_.path() + ": no column '" + std::string(kConntrackStatFields.at(index)) + "'";
}

// ---- udp_queues ----

UdpQueuesSnapshot::UdpQueuesSnapshot(const std::string& proc_root)
    : files_{ProcfsFile(join_path(proc_root, "net/udp")),
             ProcfsFile(join_path(proc_root, "net/udp6"))} {}

std::optional<std::size_t> UdpQueuesSnapshot::bind(std::string_view key, schema::ValueType type,
                                                   std::string& reason) {
  constexpr std::array<std::string_view, 4> kKeys = {"v4:tx", "v4:rx", "v6:tx", "v6:rx"};
  const auto it = std::find(kKeys.begin(), kKeys.end(), key);
  if (it == kKeys.end()) {
    reason = "expected udp_queues:v4|v6:tx|rx";
    return std::nullopt;
  }
  if (!wants_u64(type, reason)) return std::nullopt;
  return static_cast<std::size_t>(it - kKeys.begin());
}

void UdpQueuesSnapshot::take() {
  for (std::size_t i = 0; i < files_.size(); ++i) {
    errors_[i] = refresh(files_[i]);
    totals_[i] = errors_[i] == 0 ? sum_udp_queues(files_[i].contents()) : UdpQueueTotals{};
  }
}

Reading UdpQueuesSnapshot::value(std::size_t index) const {
  const std::size_t file = index / 2;
  if (file >= files_.size() || errors_[file] != 0 || totals_[file].malformed) return kReadError;
  return ok(index % 2 == 0 ? totals_[file].tx : totals_[file].rx);
}

std::string UdpQueuesSnapshot::why(std::size_t index) const {
  const std::size_t file = std::min(index / 2, files_.size() - 1);
  if (errors_[file] != 0) return files_[file].path() + ": " + errno_text(errors_[file]);
  return files_[file].path() + ": malformed";
}

// ---- selinux ----

SelinuxSnapshot::SelinuxSnapshot(const std::string& sys_root)
    : enforce_path_(join_path(sys_root, "fs/selinux/enforce")) {}

std::optional<std::size_t> SelinuxSnapshot::bind(std::string_view key, schema::ValueType type,
                                                 std::string& reason) {
  if (key != "enabled") {
    reason = "expected selinux:enabled";
    return std::nullopt;
  }
  if (!wants_u64(type, reason)) return std::nullopt;
  return 0;
}

// The enforce file exists exactly while selinuxfs is mounted there (the kernel runs SELinux).
void SelinuxSnapshot::take() {
  enabled_ = ::access(enforce_path_.c_str(), F_OK) == 0;
}

Reading SelinuxSnapshot::value(std::size_t /*index*/) const {
  return ok(enabled_ ? 1 : 0);
}

std::string SelinuxSnapshot::why(std::size_t /*index*/) const {
  return {};  // always has a value
}

// ---- os_release ----

OsReleaseSnapshot::OsReleaseSnapshot(const std::vector<std::string>& paths) {
  int err = ENOENT;
  for (const std::string& path : paths) {
    ProcfsFile file(path);
    err = refresh(file);
    if (err != 0) continue;
    entries_ = parse_os_release(file.contents());
    read_ = true;
    return;
  }
  for (const std::string& path : paths) problem_.append(problem_.empty() ? "" : ", ").append(path);
  problem_.append(": ").append(errno_text(err));
}

std::optional<std::size_t> OsReleaseSnapshot::bind(std::string_view key, schema::ValueType type,
                                                   std::string& reason) {
  if (key.empty()) {
    reason = "expected os_release:KEY";
    return std::nullopt;
  }
  if (type != schema::ValueType::String) {
    reason = "os-release values are strings";
    return std::nullopt;
  }
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const OsReleaseEntry& e) { return e.key == key; });
  bound_.push_back(it != entries_.end() ? it->value : std::string());
  return bound_.size() - 1;
}

Reading OsReleaseSnapshot::value(std::size_t index) const {
  if (!read_ || index >= bound_.size()) return {layout::SlotStatus::kUnavailable, 0};
  return {layout::SlotStatus::kOk, 0, bound_[index]};
}

std::string OsReleaseSnapshot::why(std::size_t /*index*/) const {
  return problem_;
}

}  // namespace sysring::broker
