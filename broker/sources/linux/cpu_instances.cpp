#include "cpu_instances.hpp"

#include <algorithm>
#include <memory>

#include "linux_instance_factories.hpp"
#include "path_reasons.hpp"
#include "percpu_stat_parser.hpp"
#include "sources/computed_reading.hpp"
#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {
namespace {

constexpr std::string_view kTimePrefix = "percpu_stat:";
constexpr std::string_view kBusySource = "computed:cpu_busy_percent";
constexpr std::string_view kCpufreqPrefix = "cpufreq:";
constexpr std::string_view kTopologyPrefix = "topology:";
constexpr std::string_view kCpuLabel = "cpu";
// cpu_busy_percent needs user .. steal: the first eight fields.
constexpr std::size_t kBusyFields = 8;

// A file name inside a sysfs directory: lower-case letters, digits and '_', nothing to climb
// out of the directory with.
bool is_attribute_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// "cpufreq/scaling_cur_freq" -> "cpufreq"
std::string_view directory_of(std::string_view path) {
  return path.substr(0, path.find('/'));
}

// The possible CPUs ("0-255" -> 256); 0 when the file is missing or unreadable.
std::uint32_t possible_cpus(const std::string& cpu_dir) {
  ProcfsFile file(join_path(cpu_dir, "possible"), ProcfsFile::ReadMode::kWholeInOneRead);
  std::uint64_t count = 0;
  if (file.refresh() != 0 ||
      procfs::parse_cpu_list(file.contents(), count) != procfs::DecodeStatus::kOk)
    return 0;
  return static_cast<std::uint32_t>(std::min<std::uint64_t>(count, UINT32_MAX));
}

}  // namespace

CpuInstances::CpuInstances(std::span<const registry::RegistryEntry> rows,
                           const InstanceConfig& config)
    : stat_(join_path(config.proc_root, "stat"), ProcfsFile::ReadMode::kWholeInOneRead),
      cpu_dir_(join_path(config.sys_root, "devices/system/cpu")) {
  for (const registry::RegistryEntry& row : rows) {
    if (!is_linux_row_of(row, InstanceDomain::Cpu)) continue;
    if (row.source.starts_with("softnet:")) continue;  // SoftnetInstances' rows
    std::string reason;
    bind(row, reason);
    if (reason.empty()) {
      table_.set_available(row.id);
    } else {
      table_.set_unavailable(row.id, std::move(reason));
    }
  }
  judge_at_start();
}

// Adds the row to times_, busy_family_, polled_ or static_, or sets `reason`.
void CpuInstances::bind(const registry::RegistryEntry& row, std::string& reason) {
  std::string_view spec = row.source;
  const bool u64 = row.type == schema::ValueType::U64;
  if (spec == kBusySource) {
    if (row.type != schema::ValueType::F64) {
      reason = bad_source(row.source, "cpu_busy_percent is f64");
    } else {
      busy_family_ = row.id;
    }
    return;
  }
  if (!u64) {
    reason = bad_source(row.source, "per-CPU times, frequencies and topology are u64");
    return;
  }
  if (spec.starts_with(kTimePrefix)) {
    spec.remove_prefix(kTimePrefix.size());
    std::uint64_t index = 0;
    if (procfs::parse_u64(spec, index) != procfs::DecodeStatus::kOk || index >= kCpuTimeFields) {
      reason = bad_source(row.source, "expected percpu_stat:N with N from 0 to " +
                                          std::to_string(kCpuTimeFields - 1));
    } else {
      times_.push_back({row.id, static_cast<std::size_t>(index)});
    }
    return;
  }
  Attribute attribute{row.id, {}, AttributeFormat::kDecimal};
  if (spec.starts_with(kCpufreqPrefix)) {
    spec.remove_prefix(kCpufreqPrefix.size());
    if (!is_attribute_name(spec) || !spec.ends_with("_freq")) {
      reason = bad_source(row.source, "expected cpufreq:<name>_freq");
      return;
    }
    attribute.path = "cpufreq/" + std::string(spec);
    attribute.format = AttributeFormat::kKilohertz;
  } else if (spec.starts_with(kTopologyPrefix)) {
    spec.remove_prefix(kTopologyPrefix.size());
    if (!is_attribute_name(spec)) {
      reason = bad_source(row.source, "expected topology:<file name>");
      return;
    }
    attribute.path = "topology/" + std::string(spec);
  } else {
    reason = bad_source(row.source,
                        "expected percpu_stat:N, computed:cpu_busy_percent, cpufreq:FILE or "
                        "topology:FILE");
    return;
  }
  auto& list = row.kernel_pattern == schema::AccessPattern::Static ? static_ : polled_;
  list.push_back(std::move(attribute));
}

// The first read decides what this machine has; the possible CPUs size the domain.
void CpuInstances::judge_at_start() {
  std::uint32_t lines = 0;
  std::string first_cpu = "cpu0";
  judge_times(lines, first_cpu);
  judge_attributes(join_path(cpu_dir_, first_cpu));
  at_start_ = std::max(lines, possible_cpus(cpu_dir_));
}

// Without /proc/stat no time is available; a field no cpu line has is unavailable. Counts the
// per-CPU lines and names the first.
void CpuInstances::judge_times(std::uint32_t& lines, std::string& first_cpu) {
  const int err = stat_.is_open() ? stat_.refresh() : stat_.open_error();
  if (err != 0) {
    const std::string reason = path_error(stat_.path(), err);
    for (const TimeField& t : times_) table_.set_unavailable(t.family, reason);
    if (busy_family_) table_.set_unavailable(*busy_family_, reason);
    times_.clear();
    busy_family_.reset();
    return;
  }
  CpuLineReader reader(stat_.contents());
  CpuLine line;
  std::size_t widest = 0;
  while (reader.next(line)) {
    if (lines++ == 0) first_cpu = line.name;
    widest = std::max(widest, line.field_count);
  }
  if (lines == 0) return;  // nothing to judge by
  const std::string no_field = stat_.path() + ": no cpu line has field ";
  std::erase_if(times_, [&](const TimeField& t) {
    if (t.index < widest) return false;
    table_.set_unavailable(t.family, no_field + std::to_string(t.index));
    return true;
  });
  if (busy_family_ && widest < kBusyFields) {
    table_.set_unavailable(*busy_family_, no_field + std::to_string(kBusyFields - 1) +
                                              ", which cpu_busy_percent needs");
    busy_family_.reset();
  }
}

// A sysfs file the first CPU lacks, or its directory (no cpufreq driver), is unavailable.
void CpuInstances::judge_attributes(const std::string& first_cpu_dir) {
  const auto lacking = [&](const Attribute& a) {
    std::string reason = missing_reason(join_path(first_cpu_dir, directory_of(a.path)));
    if (reason.empty()) reason = missing_reason(join_path(first_cpu_dir, a.path));
    if (reason.empty()) return false;
    table_.set_unavailable(a.family, std::move(reason));
    return true;
  };
  std::erase_if(polled_, lacking);
  std::erase_if(static_, lacking);
}

CpuInstances::Cpu CpuInstances::make_cpu(const CpuLine& line) const {
  Cpu cpu{std::string(line.name), {}, {}, kNoRow};
  const std::string dir = join_path(cpu_dir_, line.name);
  cpu.polled.reserve(polled_.size());
  for (const Attribute& a : polled_) cpu.polled.emplace_back(join_path(dir, a.path), a.format);
  return cpu;
}

void CpuInstances::refresh(InstanceSink& sink) {
  cpus_.begin();
  if (stat_.refresh() == 0) {
    CpuLineReader reader(stat_.contents());
    CpuLine line;
    while (reader.next(line)) {
      Cpu* cpu = cpus_.match(line.name);
      if (cpu == nullptr) {
        if (cpus_.seen(line.name)) continue;
        cpu = &cpus_.insert(make_cpu(line));
      }
      const LabelView label{kCpuLabel, line.number};
      const std::uint32_t row = sink.present(line.name, {&label, 1});
      publish(sink, row, line, *cpu);
    }
  }
  cpus_.end();
}

// The busy sample advances even when the instance has no row, so its base is always the
// previous read.
void CpuInstances::publish(InstanceSink& sink, std::uint32_t row, const CpuLine& line, Cpu& cpu) {
  std::optional<Reading> busy;
  if (busy_family_ && line.field_count >= kBusyFields) {
    const computed::Result r = cpu.busy.update(computed::cpu_sample(
        std::span<const std::uint64_t, kBusyFields>(line.fields.data(), kBusyFields)));
    if (r.outcome != computed::Outcome::kNotYet) busy = reading_of(r, schema::ValueType::F64);
  } else if (busy_family_) {
    busy = Reading{layout::SlotStatus::kUnavailable, 0};
  }
  if (row == kNoRow) return;
  for (const TimeField& t : times_) {
    sink.value(t.family, row,
               t.index < line.field_count ? Reading{layout::SlotStatus::kOk, line.fields[t.index]}
                                          : Reading{layout::SlotStatus::kUnavailable, 0});
  }
  if (busy) sink.value(*busy_family_, row, *busy);
  for (std::size_t i = 0; i < polled_.size(); ++i) {
    sink.value(polled_[i].family, row, cpu.polled[i].read());
  }
  if (cpu.static_row != row) publish_static(sink, row, line, cpu);
}

// STATIC values, once per appearance (and per row): the files are opened, read and closed. A
// read error leaves them to be read again at the next refresh.
void CpuInstances::publish_static(InstanceSink& sink, std::uint32_t row, const CpuLine& line,
                                  Cpu& cpu) {
  const std::string dir = join_path(cpu_dir_, line.name);
  bool all_read = true;
  for (const Attribute& a : static_) {
    const Reading r = SysfsAttribute::read_once(join_path(dir, a.path), a.format);
    all_read = all_read && r.status != layout::SlotStatus::kReadError;
    sink.value(a.family, row, r);
  }
  if (all_read) cpu.static_row = row;
}

std::unique_ptr<InstanceSource> make_cpu_instances(Rows rows, const InstanceConfig& config) {
  return std::make_unique<CpuInstances>(rows, config);
}

}  // namespace sysring::broker::linux_instances
