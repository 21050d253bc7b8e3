#include "disk_instances.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
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
// Label keys after `device`, in domain_label_keys(Disk) order.
constexpr std::array<std::string_view, 7> kLabelKeys = {"major", "minor",    "path", "serial",
                                                        "model", "revision", "wwn"};

// Reads a small file whole into `out`, reusing its storage; false when it cannot be read.
bool read_small_file(const std::string& path, std::string& out) {
  out.clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool good = true;
  for (;;) {
    const std::size_t used = out.size();
    if (out.capacity() - used < 512) out.reserve(std::max<std::size_t>(4096, 2 * out.capacity()));
    out.resize(out.capacity());
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0 && errno == EINTR) {
      out.resize(used);
      continue;
    }
    out.resize(used + static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    if (n <= 0) {
      good = n == 0;
      break;
    }
  }
  ::close(fd);
  return good;
}

void assign_number(std::string& out, std::uint64_t value) {
  std::array<char, 24> digits{};
  const auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), value);
  out.assign(digits.data(), ec == std::errc{} ? end : digits.data());
}

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
    : udev_data_(config.udev_data), exclude_("disk_exclude", config.disk_exclude) {
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

// major and minor from the line; the udev labels when the disk is new or changed its numbers
// (another device under the name), or kUdevRereadRefreshes have passed. Allocation-free while
// the labels keep their size.
void DiskInstances::update_labels(Disk& disk, const DiskLine& line) {
  const bool renumbered =
      disk.labels[0].empty() || disk.major != line.major || disk.minor != line.minor;
  if (renumbered) {
    disk.major = line.major;
    disk.minor = line.minor;
    assign_number(disk.labels[0], line.major);
    assign_number(disk.labels[1], line.minor);
  }
  if (!renumbered && ++disk.refreshes_since_udev < kUdevRereadRefreshes) return;
  disk.refreshes_since_udev = 0;
  udev_path_.assign(udev_data_)
      .append("/b")
      .append(disk.labels[0])
      .append(":")
      .append(disk.labels[1]);
  const UdevLabels udev =
      read_small_file(udev_path_, udev_record_) ? parse_udev_record(udev_record_) : UdevLabels{};
  for (std::size_t i = 0; i < udev.size(); ++i) disk.labels[2 + i].assign(udev[i]);
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
        Disk seen_now;
        seen_now.name = std::string(line.name);
        seen_now.excluded = exclude_.excludes(line.name);
        disk = &disks_.insert(std::move(seen_now));
      }
      if (disk->excluded) continue;
      update_labels(*disk, line);
      std::array<LabelView, 1 + kLabelKeys.size()> labels;
      labels[0] = {"device", line.name};
      for (std::size_t i = 0; i < kLabelKeys.size(); ++i)
        labels[i + 1] = {kLabelKeys[i], disk->labels[i]};
      const std::uint32_t row = sink.present(line.name, labels);
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
