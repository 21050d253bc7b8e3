#include "sources/linux/filesystem_instances.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>
#include <utility>

namespace sysring::broker::linux_instances {
namespace {

constexpr std::string_view kExpectedSources =
    "expected statvfs:size|free|avail|files|files_free|device_error or mountinfo:readonly";

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

std::optional<FilesystemInstances::Field> FilesystemInstances::field_of(std::string_view source) {
  struct Key {
    std::string_view source;
    Field field;
  };
  // No statvfs:readonly: statvfs's flag is the broker's namespace's, not the host's.
  constexpr std::array<Key, 7> kKeys = {{
      {"statvfs:size", Field::kSize},
      {"statvfs:free", Field::kFree},
      {"statvfs:avail", Field::kAvail},
      {"statvfs:files", Field::kFiles},
      {"statvfs:files_free", Field::kFilesFree},
      {"statvfs:device_error", Field::kDeviceError},
      {"mountinfo:readonly", Field::kReadonly},
  }};
  for (const Key& key : kKeys) {
    if (key.source == source) return key.field;
  }
  return std::nullopt;
}

FilesystemInstances::FilesystemInstances(Rows rows, const InstanceConfig& config,
                                         StatfsWorkerOptions worker)
    : filter_(config.fs_types_exclude, config.mount_points_exclude),
      inline_types_("[instances.filesystem] statfs_inline_types", config.statfs_inline_types),
      inline_statfs_(worker.statfs ? worker.statfs : StatfsFunction(&::statvfs)),
      mountinfo_(config.proc_root),
      worker_(with_timeout(std::move(worker), config.statfs_timeout_ms)) {
  for (const registry::RegistryEntry& row : rows) {
    if (!is_linux_row_of(row, InstanceDomain::Filesystem)) continue;
    const std::optional<Field> field = field_of(row.source);
    if (!field) {
      families_.set_unavailable(row.id, bad_source(row.source, kExpectedSources));
    } else if (row.type != schema::ValueType::U64) {
      families_.set_unavailable(row.id, bad_source(row.source, "filesystem values are u64"));
    } else {
      families_.set(row.id,
                    {true,
                     {},
                     *field == Field::kReadonly ? "the options of each mount in the mount table"
                                                : "statvfs(2) of each mount point"});
      bound_.push_back({row.id, *field, false});
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
  bool statfs_wanted = false;
  for (Bound& b : bound_) {
    b.wanted = sink.wants(b.id);
    statfs_wanted |= b.wanted && b.field != Field::kReadonly;
  }
  // No statvfs when no value of it is due: the mounts are still reported. The worker's round
  // runs while the inline mounts are asked here; a round of no path wakes no thread.
  if (statfs_wanted) {
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

Reading FilesystemInstances::reading_of(const Mount& mount, const StatfsAnswer& answer,
                                        Field field) {
  // From the mount table: known whatever statvfs answered.
  if (field == Field::kReadonly) return ok(mount.readonly ? 1 : 0);
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
    if (b.wanted) sink.value(b.id, row, reading_of(mount, answer, b.field));
  }
}

std::unique_ptr<InstanceSource> make_filesystem_instances(Rows rows, const InstanceConfig& config) {
  return std::make_unique<FilesystemInstances>(rows, config);
}

}  // namespace sysring::broker::linux_instances
