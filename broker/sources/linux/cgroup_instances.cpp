#include "sources/linux/cgroup_instances.hpp"

#include <dirent.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string_view>
#include <utility>

#include "sources/linux/mountinfo_file.hpp"
#include "sources/linux/path_reasons.hpp"
#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {
namespace {

constexpr std::size_t kScratchBytes = 16384;
// A group lacking a file asks for it again after this many refreshes.
constexpr std::uint32_t kReopenPeriod = 16;

Reading status_only(layout::SlotStatus status) {
  Reading r;
  r.status = status;
  return r;
}

Reading decoded(const procfs::Decoded& d) {
  return d.status == procfs::DecodeStatus::kOk ? Reading{layout::SlotStatus::kOk, d.bits}
                                               : status_only(layout::SlotStatus::kReadError);
}

bool is_pressure(CgroupFile file) {
  return file == CgroupFile::kCpuPressure || file == CgroupFile::kMemoryPressure ||
         file == CgroupFile::kIoPressure;
}

// Whether the whitespace-separated list `controllers` names `controller`.
bool lists(std::string_view controllers, std::string_view controller) {
  for (std::string_view t = procfs::next_token(controllers); !t.empty();
       t = procfs::next_token(controllers)) {
    if (t == controller) return true;
  }
  return false;
}

}  // namespace

CgroupInstances::CgroupInstances(Rows rows, const InstanceConfig& config)
    : depth_(config.cgroup_depth), scratch_(kScratchBytes) {
  path_buffer_.reserve(PATH_MAX);
  const std::string no_root = bind(rows, config);
  if (!no_root.empty()) {
    for (const Binding& b : bindings_) families_.set_unavailable(b.id, no_root);
    bindings_.clear();
    return;
  }
  check_controllers();
  readings_.resize(bindings_.size());
  discover(root_group_, 1);
  instances_at_start_ = count(root_group_);
}

std::string CgroupInstances::bind(Rows rows, const InstanceConfig& config) {
  for (const registry::RegistryEntry& row : rows) {
    if (!is_linux_row_of(row, InstanceDomain::Cgroup)) continue;
    const CgroupSourceParse parsed = parse_cgroup_source(row.source);
    if (!parsed.source) {
      families_.set_unavailable(row.id, bad_source(row.source, parsed.error));
      continue;
    }
    const CgroupSource& s = *parsed.source;
    families_.set_available(row.id);
    bindings_.push_back(
        {row.id, s.file, std::string(s.line), std::string(s.key), s.io_field, row.type});
  }
  root_ = config.cgroup_root;
  if (root_.empty()) {
    MountinfoFile mountinfo(config.proc_root);
    if (!mountinfo.is_open()) return mountinfo.open_error();
    if (const int err = mountinfo.read(); err != 0) return path_error(mountinfo.path(), err);
    root_ = find_cgroup2_mount(mountinfo.contents());
    if (root_.empty()) return "no cgroup2 filesystem in " + mountinfo.path();
  }
  root_group_.dir = DirectoryFd(root_);
  if (!root_group_.dir.is_open()) return path_error(root_, root_group_.dir.open_error());
  return {};
}

void CgroupInstances::check_controllers() {
  ProcfsFile controllers_file(join_path(root_, "cgroup.controllers"));
  const int err = controllers_file.refresh();
  const std::string_view controllers = procfs::trim(controllers_file.contents());
  std::size_t kept = 0;
  for (const Binding& b : bindings_) {
    std::string reason;
    const std::string_view needs = b.file == CgroupFile::kMemoryCurrent ? "memory"
                                   : b.file == CgroupFile::kIoStat      ? "io"
                                                                        : "";
    if (!needs.empty() && err != 0) {
      reason = path_error(controllers_file.path(), err);
    } else if (!needs.empty() && !lists(controllers, needs)) {
      reason = controllers_file.path() + ": no " + std::string(needs) +
               " controller (has: " + std::string(controllers) + ")";
    } else if (is_pressure(b.file)) {
      reason = missing_reason(join_path(root_, cgroup_file_name(b.file)));
    }
    if (!reason.empty()) {
      families_.set_unavailable(b.id, reason);
      continue;
    }
    file_needed_[static_cast<std::size_t>(b.file)] = true;
    bindings_[kept++] = b;
  }
  bindings_.resize(kept);
}

bool CgroupInstances::discover(Group& parent, std::uint32_t depth) {
  if (depth > depth_) return true;
  for (auto& entry : parent.children) entry.second->seen = false;
  const int err =
      parent.dir.for_each_entry(scratch_, [&](std::string_view name, unsigned char type) {
        // cgroupfs says what each entry is: the groups are the directories.
        if (type != DT_DIR) return;
        auto it = parent.children.find(name);
        if (it == parent.children.end()) {
          it = parent.children.emplace(std::string(name), make_group(parent, name, depth)).first;
        }
        it->second->seen = true;
      });
  if (err != 0) {
    parent.children.clear();
    return false;
  }
  std::erase_if(parent.children, [](const auto& entry) { return !entry.second->seen; });
  for (auto& entry : parent.children) discover(*entry.second, depth + 1);
  return true;
}

std::unique_ptr<CgroupInstances::Group> CgroupInstances::make_group(const Group& parent,
                                                                    std::string_view leaf,
                                                                    std::uint32_t depth) {
  auto group = std::make_unique<Group>();
  group->path = parent.path.empty() ? std::string(leaf) : parent.path + "/" + std::string(leaf);
  group->label = "/" + group->path;
  if (depth < depth_) group->dir = DirectoryFd(join_path(root_, group->path));
  open_missing_files(*group);
  return group;
}

void CgroupInstances::open_missing_files(Group& group) {
  for (std::size_t f = 0; f < kCgroupFileCount; ++f) {
    if (!file_needed_[f] || group.files[f].is_open()) continue;
    // Asked again every few refreshes: access() on a path in a reused buffer costs no
    // allocation; only a file that is there now is opened (and its path kept).
    const std::string_view name = cgroup_file_name(static_cast<CgroupFile>(f));
    path_buffer_.assign(root_).append("/").append(group.path).append("/").append(name);
    if (::access(path_buffer_.c_str(), F_OK) != 0) continue;
    // cgroup files are produced in one piece by their show functions.
    group.files[f] = ProcfsFile(path_buffer_, ProcfsFile::ReadMode::kWholeInOneRead);
  }
  group.refreshes_to_reopen = kReopenPeriod;
}

std::uint32_t CgroupInstances::count(const Group& parent) {
  std::uint32_t n = 0;
  for (const auto& entry : parent.children) n += 1 + count(*entry.second);
  return n;
}

void CgroupInstances::refresh(InstanceSink& sink) {
  if (!root_group_.dir.is_open() || !discover(root_group_, 1)) return;
  // Only the files of families due now are read.
  file_wanted_.fill(false);
  for (std::size_t i = 0; i < bindings_.size(); ++i) {
    bindings_[i].wanted = sink.wants(bindings_[i].id);
    if (bindings_[i].wanted) file_wanted_[static_cast<std::size_t>(bindings_[i].file)] = true;
  }
  report(sink, root_group_);
}

void CgroupInstances::report(InstanceSink& sink, Group& parent) {
  for (auto& entry : parent.children) {
    Group& group = *entry.second;
    const std::array<LabelView, 1> labels = {LabelView{"cgroup", group.label}};
    const std::uint32_t row = sink.present(group.path, labels);
    if (row != kNoRow) {
      read_group(group);
      for (std::size_t i = 0; i < bindings_.size(); ++i) {
        if (bindings_[i].wanted) sink.value(bindings_[i].id, row, readings_[i]);
      }
    }
    report(sink, group);
  }
}

void CgroupInstances::read_group(Group& group) {
  bool missing = false;
  for (std::size_t f = 0; f < kCgroupFileCount; ++f) {
    if (!file_needed_[f]) continue;
    missing |= !group.files[f].is_open();
    if (file_wanted_[f]) read_file(group, static_cast<CgroupFile>(f));
  }
  if (missing && --group.refreshes_to_reopen == 0) open_missing_files(group);
}

void CgroupInstances::read_file(Group& group, CgroupFile file) {
  ProcfsFile& f = group.files[static_cast<std::size_t>(file)];
  // A file the group lacks, or one whose key is absent, is unavailable; PSI switched off for
  // the group (cgroup.pressure 0) fails with EOPNOTSUPP, the same; other failures are errors.
  const int err = f.is_open() ? f.refresh() : ENOENT;
  const layout::SlotStatus missing = err == 0 || err == ENOENT || err == EOPNOTSUPP
                                         ? layout::SlotStatus::kUnavailable
                                         : layout::SlotStatus::kReadError;
  for (std::size_t i = 0; i < bindings_.size(); ++i) {
    if (bindings_[i].file == file) readings_[i] = status_only(missing);
  }
  if (err != 0) return;
  const std::string_view text = f.contents();
  switch (file) {
    case CgroupFile::kCpuStat:
    case CgroupFile::kCpuPressure:
    case CgroupFile::kMemoryPressure:
    case CgroupFile::kIoPressure: {
      const procfs::Format format =
          file == CgroupFile::kCpuStat ? procfs::Format::kKeyValue : procfs::Format::kPressure;
      procfs::RecordReader reader(format, text);
      procfs::Record record;
      while (reader.next(record)) {
        for (std::size_t i = 0; i < bindings_.size(); ++i) {
          const Binding& b = bindings_[i];
          if (b.file != file || b.key != record.key || b.line != record.group) continue;
          readings_[i] =
              decoded(procfs::decode(format, record.fields, procfs::kWholeField, b.type));
        }
      }
      break;
    }
    case CgroupFile::kMemoryCurrent:
      for (std::size_t i = 0; i < bindings_.size(); ++i) {
        if (bindings_[i].file != file) continue;
        readings_[i] = decoded(procfs::decode(procfs::Format::kWhole, procfs::trim(text),
                                              procfs::kWholeField, bindings_[i].type));
      }
      break;
    case CgroupFile::kIoStat: {
      const IoStatTotals totals = sum_io_stat(text);
      for (std::size_t i = 0; i < bindings_.size(); ++i) {
        if (bindings_[i].file == file)
          readings_[i] = {layout::SlotStatus::kOk, totals.of(bindings_[i].io_field)};
      }
      break;
    }
  }
}

std::unique_ptr<InstanceSource> make_cgroup_instances(Rows rows, const InstanceConfig& config) {
  return std::make_unique<CgroupInstances>(rows, config);
}

}  // namespace sysring::broker::linux_instances
