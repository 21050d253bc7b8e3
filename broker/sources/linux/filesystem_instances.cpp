#include "sources/linux/filesystem_instances.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace sysring::broker::linux_instances {
namespace {

// "statvfs:<key>" -> the key's index in Field order; nullopt for anything else.
std::optional<std::size_t> field_index(std::string_view source) {
  constexpr std::string_view kPrefix = "statvfs:";
  constexpr std::array<std::string_view, 7> kKeys = {
      "size", "free", "avail", "files", "files_free", "readonly", "device_error"};
  if (!source.starts_with(kPrefix)) return std::nullopt;
  source.remove_prefix(kPrefix.size());
  for (std::size_t i = 0; i < kKeys.size(); ++i) {
    if (kKeys[i] == source) return i;
  }
  return std::nullopt;
}

// A timeout of (nearly) zero would declare every call stuck and churn through caller threads.
constexpr std::uint32_t kMinStatfsTimeoutMs = 10;

StatfsWorkerOptions with_timeout(StatfsWorkerOptions options, std::uint32_t timeout_ms) {
  options.call_timeout = std::chrono::milliseconds(std::max(timeout_ms, kMinStatfsTimeoutMs));
  return options;
}

Reading ok(std::uint64_t value) {
  return {layout::SlotStatus::kOk, value};
}

Reading status_only(layout::SlotStatus status) {
  Reading r;
  r.status = status;
  return r;
}

}  // namespace

FilesystemInstances::FilesystemInstances(Rows rows, const InstanceConfig& config,
                                         StatfsWorkerOptions worker)
    : filter_(config.fs_types_exclude, config.mount_points_exclude),
      inline_types_("[instances.filesystem] statfs_inline_types", config.statfs_inline_types),
      inline_statfs_(worker.statfs ? worker.statfs : StatfsFunction(&::statvfs)),
      mountinfo_(config.proc_root),
      worker_(with_timeout(std::move(worker), config.statfs_timeout_ms)) {
  for (const registry::RegistryEntry& row : rows) {
    if (!is_linux_row_of(row, InstanceDomain::Filesystem)) continue;
    const std::optional<std::size_t> field = field_index(row.source);
    if (!field) {
      families_.set_unavailable(
          row.id,
          bad_source(row.source,
                     "expected statvfs:size|free|avail|files|files_free|readonly|device_error"));
    } else if (row.type != schema::ValueType::U64) {
      families_.set_unavailable(row.id, bad_source(row.source, "statvfs values are u64"));
    } else {
      families_.set(row.id, {true, {}, "statvfs(2) of each mount point"});
      bound_.push_back({row.id, static_cast<Field>(*field), false});
    }
  }
  if (!mountinfo_.is_open()) {
    for (const Bound& b : bound_) families_.set_unavailable(b.id, mountinfo_.open_error());
    bound_.clear();
    return;
  }
  // The first look, to size the domain; statvfs starts with the first refresh.
  table_readable_ = mountinfo_.changed() && reload_mounts();
  instances_at_start_ = static_cast<std::uint32_t>(mounts_.size());
}

bool FilesystemInstances::reload_mounts() {
  ++mount_table_reads_;
  if (mountinfo_.read() != 0) {
    mounts_.clear();
    worker_.set_paths({});
    return false;
  }
  std::vector<Mount> mounts = visible_mounts(mountinfo_.contents(), filter_);
  if (mounts != mounts_) {
    std::vector<std::string> paths;
    worker_index_.assign(mounts.size(), kInline);
    for (std::size_t i = 0; i < mounts.size(); ++i) {
      if (inline_types_.matches(mounts[i].fstype)) continue;
      worker_index_[i] = paths.size();
      paths.push_back(mounts[i].mount_point);
    }
    worker_.set_paths(paths);
    worker_answers_.resize(paths.size());
    mounts_ = std::move(mounts);
  }
  answers_.resize(mounts_.size());
  return true;
}

void FilesystemInstances::refresh(InstanceSink& sink) {
  if (!mountinfo_.is_open()) return;
  if (mountinfo_.changed()) table_readable_ = reload_mounts();
  if (!table_readable_) return;  // every mount is gone for this refresh
  bool any_wanted = false;
  for (Bound& b : bound_) {
    b.wanted = sink.wants(b.id);
    any_wanted |= b.wanted;
  }
  // No statvfs when no value is due: the mounts are still reported. The worker's round runs
  // while the inline mounts are asked here; a round of no path wakes no thread.
  if (any_wanted) {
    if (!worker_answers_.empty()) worker_.request();
    for (std::size_t i = 0; i < mounts_.size(); ++i) {
      if (worker_index_[i] == kInline)
        answers_[i] = statfs_answer(inline_statfs_, mounts_[i].mount_point);
    }
    if (!worker_answers_.empty()) worker_.collect(worker_answers_);
    for (std::size_t i = 0; i < mounts_.size(); ++i) {
      if (worker_index_[i] != kInline) answers_[i] = worker_answers_[worker_index_[i]];
    }
  }
  for (std::size_t i = 0; i < mounts_.size(); ++i) report(sink, mounts_[i], answers_[i]);
}

Reading FilesystemInstances::reading_of(const StatfsAnswer& answer, Field field) {
  // node_exporter's device_error: the mount failed its last statfs or is stuck in one.
  if (field == Field::kDeviceError) {
    return answer.state == StatfsAnswer::State::kNone
               ? status_only(layout::SlotStatus::kUnavailable)
               : ok(answer.state == StatfsAnswer::State::kOk ? 0 : 1);
  }
  switch (answer.state) {
    case StatfsAnswer::State::kNone:
    case StatfsAnswer::State::kStuck:
      return status_only(layout::SlotStatus::kUnavailable);
    case StatfsAnswer::State::kError:
      return status_only(layout::SlotStatus::kReadError);
    case StatfsAnswer::State::kOk:
      break;
  }
  const StatfsValues& v = answer.values;
  switch (field) {
    case Field::kSize:
      return ok(v.size_bytes);
    case Field::kFree:
      return ok(v.free_bytes);
    case Field::kAvail:
      return ok(v.avail_bytes);
    case Field::kFiles:
      return ok(v.files);
    case Field::kFilesFree:
      return ok(v.files_free);
    case Field::kReadonly:
      return ok(v.readonly ? 1 : 0);
    case Field::kDeviceError:
      break;
  }
  return status_only(layout::SlotStatus::kReadError);
}

void FilesystemInstances::report(InstanceSink& sink, const Mount& mount,
                                 const StatfsAnswer& answer) const {
  const std::array<LabelView, 3> labels = {LabelView{"device", mount.device},
                                           LabelView{"fstype", mount.fstype},
                                           LabelView{"mountpoint", mount.mount_point}};
  const std::uint32_t row = sink.present(mount.mount_point, labels);
  if (row == kNoRow) return;
  for (const Bound& b : bound_) {
    if (b.wanted) sink.value(b.id, row, reading_of(answer, b.field));
  }
}

std::unique_ptr<InstanceSource> make_filesystem_instances(Rows rows, const InstanceConfig& config) {
  return std::make_unique<FilesystemInstances>(rows, config);
}

}  // namespace sysring::broker::linux_instances
