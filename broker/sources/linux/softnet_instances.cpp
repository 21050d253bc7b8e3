#include "softnet_instances.hpp"

#include <array>
#include <charconv>
#include <memory>

#include "linux_instance_factories.hpp"
#include "path_reasons.hpp"
#include "softnet_parser.hpp"

namespace sysring::broker::linux_instances {
namespace {

constexpr std::string_view kPrefix = "softnet:";
constexpr std::array<std::string_view, kSoftnetFields> kFieldNames = {"processed", "dropped",
                                                                      "time_squeeze"};

}  // namespace

SoftnetInstances::SoftnetInstances(std::span<const registry::RegistryEntry> rows,
                                   const InstanceConfig& config)
    // An iterated seq_file (one line per CPU): it may come in several reads.
    : softnet_(join_path(config.proc_root, "net/softnet_stat")),
      online_file_(join_path(config.sys_root, "devices/system/cpu/online"),
                   ProcfsFile::ReadMode::kWholeInOneRead) {
  const int err = softnet_.is_open() ? softnet_.refresh() : softnet_.open_error();
  for (const registry::RegistryEntry& row : rows) {
    // The domain's other rows are the owner's (CpuInstances) and the counters'.
    if (!is_linux_row_of(row, InstanceDomain::Cpu) || !row.source.starts_with(kPrefix)) continue;
    const std::string_view spec = row.source.substr(kPrefix.size());
    std::size_t index = kFieldNames.size();
    for (std::size_t i = 0; i < kFieldNames.size(); ++i) {
      if (kFieldNames[i] == spec) index = i;
    }
    if (index == kFieldNames.size()) {
      table_.set_unavailable(
          row.id, bad_source(row.source, "expected softnet:processed|dropped|time_squeeze"));
    } else if (row.type != schema::ValueType::U64) {
      table_.set_unavailable(row.id, bad_source(row.source, "softnet values are u64"));
    } else if (err != 0) {
      table_.set_unavailable(row.id, path_error(softnet_.path(), err));
    } else {
      table_.set(row.id, {true, {}, softnet_.path()});
      fields_.push_back({row.id, index});
    }
  }
}

void SoftnetInstances::refresh(InstanceSink& sink) {
  bool any_wanted = false;
  for (const Field& f : fields_) any_wanted |= sink.wants(f.family);
  if (!any_wanted || softnet_.refresh() != 0) return;
  bool online_read = false;
  SoftnetLineReader reader(softnet_.contents(), {});
  SoftnetLine line;
  while (reader.next(line)) {
    if (!line.numbered && !online_read) {
      // An older kernel: number the lines by the online CPUs, read once for this refresh.
      online_read = true;
      if (online_file_.refresh() != 0 || !cpu_list_members(online_file_.contents(), online_))
        online_.clear();
      reader = SoftnetLineReader(softnet_.contents(), online_);
      continue;
    }
    std::array<char, 24> name{'c', 'p', 'u'};
    const auto [end, ec] = std::to_chars(name.data() + 3, name.data() + name.size(), line.cpu);
    if (ec != std::errc{}) continue;
    const std::uint32_t row =
        sink.find(std::string_view(name.data(), static_cast<std::size_t>(end - name.data())));
    if (row == kNoRow) continue;
    for (const Field& f : fields_) {
      sink.value(f.family, row, {layout::SlotStatus::kOk, line.fields[f.index]});
    }
  }
}

std::unique_ptr<InstanceSource> make_softnet_instances(Rows rows, const InstanceConfig& config) {
  return std::make_unique<SoftnetInstances>(rows, config);
}

}  // namespace sysring::broker::linux_instances
