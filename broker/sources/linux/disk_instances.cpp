#include "disk_instances.hpp"

#include <algorithm>
#include <limits>
#include <memory>

#include "diskstats_parser.hpp"
#include "linux_instance_factories.hpp"
#include "path_reasons.hpp"
#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {
namespace {

constexpr std::string_view kPrefix = "diskstats:";
constexpr std::string_view kSectorsSuffix = ":sectors";
constexpr std::string_view kDeviceLabel = "device";

Reading field_reading(const DiskLine& line, std::size_t index, std::uint64_t scale) {
  if (index >= line.field_count) return {layout::SlotStatus::kUnavailable, 0};
  const std::uint64_t v = line.fields[index];
  if (v > std::numeric_limits<std::uint64_t>::max() / scale)
    return {layout::SlotStatus::kReadError, 0};
  return {layout::SlotStatus::kOk, v * scale};
}

}  // namespace

DiskInstances::DiskInstances(std::span<const registry::RegistryEntry> rows,
                             const InstanceConfig& config)
    : exclude_("disk_exclude", config.disk_exclude) {
  for (const registry::RegistryEntry& row : rows) {
    if (!is_linux_row_of(row, InstanceDomain::Disk)) continue;
    std::string reason;
    bind(row, reason);
    if (reason.empty()) {
      table_.set_available(row.id);
    } else {
      table_.set_unavailable(row.id, std::move(reason));
    }
  }
  // diskstats is an iterated seq_file: it may come in several reads.
  diskstats_ = ProcfsFile(join_path(config.proc_root, "diskstats"));
  judge_fields_at_start();
}

// "diskstats:N" or "diskstats:N:sectors"; adds the field to fields_ or sets `reason`.
void DiskInstances::bind(const registry::RegistryEntry& row, std::string& reason) {
  std::string_view spec = row.source;
  if (!spec.starts_with(kPrefix)) {
    reason = bad_source(row.source, "not a diskstats field");
    return;
  }
  spec.remove_prefix(kPrefix.size());
  std::uint64_t scale = 1;
  if (spec.ends_with(kSectorsSuffix)) {
    spec.remove_suffix(kSectorsSuffix.size());
    scale = kDiskSectorBytes;
  }
  std::uint64_t index = 0;
  if (procfs::parse_u64(spec, index) != procfs::DecodeStatus::kOk) {
    reason = bad_source(row.source, "expected diskstats:N or diskstats:N:sectors");
  } else if (index >= kDiskStatFields) {
    reason = bad_source(row.source, "diskstats lines have " + std::to_string(kDiskStatFields) +
                                        " fields, 0 to " + std::to_string(kDiskStatFields - 1));
  } else if (row.type != schema::ValueType::U64) {
    reason = bad_source(row.source, "diskstats fields are u64");
  } else {
    fields_.push_back({row.id, static_cast<std::size_t>(index), scale});
  }
}

// The first read decides: no file makes every family unavailable, and a field no line has (an
// older kernel) makes its family unavailable. With no device at all nothing can be judged.
void DiskInstances::judge_fields_at_start() {
  const int err = diskstats_.is_open() ? diskstats_.refresh() : diskstats_.open_error();
  if (err != 0) {
    const std::string reason = path_error(diskstats_.path(), err);
    for (const Field& f : fields_) table_.set_unavailable(f.family, reason);
    fields_.clear();
    return;
  }
  DiskLineReader reader(diskstats_.contents());
  DiskLine line;
  std::size_t lines = 0;
  std::size_t widest = 0;
  while (reader.next(line)) {
    ++lines;
    widest = std::max(widest, line.field_count);
    if (!exclude_.excludes(line.name)) ++at_start_;
  }
  if (lines == 0) return;
  std::erase_if(fields_, [&](const Field& f) {
    if (f.index < widest) return false;
    table_.set_unavailable(f.family,
                           diskstats_.path() + ": no line has field " + std::to_string(f.index));
    return true;
  });
}

void DiskInstances::refresh(InstanceSink& sink) {
  disks_.begin();
  if (diskstats_.refresh() == 0) {
    DiskLineReader reader(diskstats_.contents());
    DiskLine line;
    while (reader.next(line)) {
      Disk* disk = disks_.match(line.name);
      if (disk == nullptr) {
        if (disks_.seen(line.name)) continue;
        disk = &disks_.insert({std::string(line.name), exclude_.excludes(line.name)});
      }
      if (disk->excluded) continue;
      const LabelView label{kDeviceLabel, line.name};
      const std::uint32_t row = sink.present(line.name, {&label, 1});
      if (row == kNoRow) continue;
      for (const Field& f : fields_) {
        sink.value(f.family, row, field_reading(line, f.index, f.scale));
      }
    }
  }
  disks_.end();
}

std::unique_ptr<InstanceSource> make_disk_instances(Rows rows, const InstanceConfig& config) {
  return std::make_unique<DiskInstances>(rows, config);
}

}  // namespace sysring::broker::linux_instances
