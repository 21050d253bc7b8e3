#include "linux_sources.hpp"

#include <algorithm>
#include <memory>
#include <system_error>

#include "source_spec.hpp"

namespace sysring::broker {
namespace {

std::string errno_text(int err) {
  return std::generic_category().message(err);
}

std::string type_name(schema::ValueType type) {
  const char* name = schema::EnumNameValueType(type);
  return name != nullptr && *name != '\0' ? name : "unknown type";
}

std::string join_path(const std::string& root, const std::string& relative) {
  std::string path = root;
  while (path.size() > 1 && path.ends_with('/')) path.pop_back();
  if (!path.ends_with('/')) path.push_back('/');
  return path.append(relative);
}

}  // namespace

LinuxSources::LinuxSources(std::span<const registry::RegistryEntry> entries,
                           const std::string& proc_root, const std::string& sys_root) {
  std::uint16_t max_id = 0;
  for (const auto& entry : entries) max_id = std::max(max_id, entry.id);
  slot_of_id_.assign(std::size_t{max_id} + 1, kNone);

  for (const auto& entry : entries) {
    if (slot_of_id_[entry.id] != kNone) continue;  // duplicate id: the first row wins
    slot_of_id_[entry.id] = static_cast<std::uint32_t>(slots_.size());
    std::string reason;
    const std::uint32_t metric = bind(entry, proc_root, sys_root, reason);
    slots_.push_back({{false, std::move(reason)}, metric});
  }

  // The first read decides what this machine has: a key absent now stays unavailable.
  for (SourceFile& file : files_) {
    if (file.file.is_open()) refresh(file);
  }
  for (Slot& slot : slots_) {
    if (slot.metric == kNone) continue;
    const Metric& metric = metrics_[slot.metric];
    if (metric.reading.status == layout::SlotStatus::kOk) {
      slot.availability.available = true;
    } else {
      slot.availability.reason = why_unavailable(metric);
      slot.metric = kNone;
    }
  }
  drop_unavailable();
}

// Parses the entry's source and attaches it to its file (opened on first use). Returns the
// metric index, or kNone with `reason` set.
std::uint32_t LinuxSources::bind(const registry::RegistryEntry& entry, const std::string& proc_root,
                                 const std::string& sys_root, std::string& reason) {
  if (entry.platform != "linux") {
    reason = "not a linux metric (platform '" + std::string(entry.platform) + "')";
    return kNone;
  }
  ParsedSource parsed = parse_source(entry.source);
  if (!parsed.ok()) {
    reason = std::move(parsed.error);
    return kNone;
  }
  const SourceSpec& spec = parsed.spec;

  const bool sysfs = spec.root == SourceRoot::kSys;
  auto file_it = std::find_if(files_.begin(), files_.end(), [&](const SourceFile& f) {
    return f.name == spec.path && f.sysfs == sysfs && f.format == spec.format;
  });
  if (file_it == files_.end()) {
    // Only /proc/vmstat is an iterated seq_file among our sources; the rest (sysfs attributes,
    // sysctl handlers, single_open seq_files such as pressure and net/netstat) come in one piece.
    const auto mode = !sysfs && spec.path == "vmstat" ? ProcfsFile::ReadMode::kUntilEof
                                                      : ProcfsFile::ReadMode::kWholeInOneRead;
    files_.push_back({spec.path,
                      spec.format,
                      sysfs,
                      ProcfsFile(join_path(sysfs ? sys_root : proc_root, spec.path), mode),
                      {}});
    file_it = std::prev(files_.end());
  }
  SourceFile& file = *file_it;
  if (!file.file.is_open()) {
    reason = file.file.path() + ": " + errno_text(file.file.open_error());
    return kNone;
  }

  auto key_it = std::find_if(file.keys.begin(), file.keys.end(), [&](const Key& k) {
    return k.group == spec.group && k.key == spec.key;
  });
  if (key_it == file.keys.end()) {
    file.keys.push_back({std::string(spec.group), std::string(spec.key), {}});
    key_it = std::prev(file.keys.end());
  }
  const auto index = static_cast<std::uint32_t>(metrics_.size());
  Metric metric;
  metric.file = static_cast<std::uint32_t>(file_it - files_.begin());
  metric.key = static_cast<std::uint32_t>(key_it - file.keys.begin());
  metric.field = spec.field;
  metric.type = entry.type;
  metrics_.push_back(metric);
  key_it->metrics.push_back(index);
  return index;
}

// One pread, then one pass over the records that fills every bound metric of the file.
// Allocation-free once the buffer has its size.
void LinuxSources::refresh(SourceFile& file) {
  file.refreshed_tick = tick_;
  ++refresh_count_;
  for (Key& key : file.keys) {
    key.seen = false;
    for (const std::uint32_t m : key.metrics) {
      metrics_[m].reading = Reading{};  // kReadError until this pass finds and decodes it
      metrics_[m].key_found = false;
      metrics_[m].decoded = procfs::Decoded{};
    }
  }
  file.error = file.file.refresh();
  if (file.error != 0) return;

  procfs::RecordReader reader(file.format, file.file.contents());
  procfs::Record record;
  std::size_t left = file.keys.size();
  while (left > 0 && reader.next(record)) {
    for (Key& key : file.keys) {
      if (key.seen || key.key != record.key || key.group != record.group) continue;
      key.seen = true;  // first occurrence wins
      --left;
      for (const std::uint32_t m : key.metrics) {
        Metric& metric = metrics_[m];
        metric.key_found = true;
        metric.decoded = procfs::decode(file.format, record.fields, metric.field, metric.type);
        if (metric.decoded.status == procfs::DecodeStatus::kOk) {
          metric.reading = {
              layout::SlotStatus::kOk, metric.decoded.bits,
              metric.type == schema::ValueType::String ? metric.decoded.text : std::string_view{}};
        }
      }
      break;
    }
  }
}

// A one-line reason from the first refresh's outcome (the file's bytes are still valid here).
std::string LinuxSources::why_unavailable(const Metric& metric) const {
  const SourceFile& file = files_[metric.file];
  if (file.error != 0) return file.file.path() + ": " + errno_text(file.error);
  const Key& key = file.keys[metric.key];
  std::string what = (file.sysfs ? file.file.path() : file.name) + ": ";
  std::string label = key.group.empty() ? key.key : key.group + ":" + key.key;
  if (!metric.key_found) return what + "no key '" + label + "'";
  if (!label.empty()) what += "'" + label + "' ";
  const std::string token = "'" + std::string(metric.decoded.text) + "'";
  switch (metric.decoded.status) {
    case procfs::DecodeStatus::kNoField:
      return what + "has no field " + std::to_string(metric.field);
    case procfs::DecodeStatus::kOutOfRange:
      return what + "value " + token + " is out of range for " + type_name(metric.type);
    case procfs::DecodeStatus::kMalformed:
    case procfs::DecodeStatus::kOk:  // not reached: an OK metric is available
      break;
  }
  return what + "value " + token + " is not a valid " + type_name(metric.type);
}

// Unbinds what is unavailable so refreshes never decode it, and closes files nobody reads.
void LinuxSources::drop_unavailable() {
  for (SourceFile& file : files_) {
    for (Key& key : file.keys) {
      std::erase_if(key.metrics, [&](std::uint32_t m) {
        return metrics_[m].reading.status != layout::SlotStatus::kOk;
      });
    }
    std::erase_if(file.keys, [](const Key& key) { return key.metrics.empty(); });
    if (file.keys.empty()) file.file.close();
  }
}

const Availability& LinuxSources::availability(std::uint16_t id) const {
  static const Availability kUnknownId{false, "unknown metric id"};
  if (id >= slot_of_id_.size() || slot_of_id_[id] == kNone) return kUnknownId;
  return slots_[slot_of_id_[id]].availability;
}

void LinuxSources::begin_tick() {
  ++tick_;
}

Reading LinuxSources::read(std::uint16_t id) {
  if (id >= slot_of_id_.size() || slot_of_id_[id] == kNone) {
    return {layout::SlotStatus::kUnavailable, 0, {}};
  }
  const std::uint32_t m = slots_[slot_of_id_[id]].metric;
  if (m == kNone) return {layout::SlotStatus::kUnavailable, 0, {}};
  SourceFile& file = files_[metrics_[m].file];
  if (file.refreshed_tick != tick_) refresh(file);
  return metrics_[m].reading;
}

std::unique_ptr<MetricSources> make_linux_sources(std::span<const registry::RegistryEntry> entries,
                                                  const std::string& proc_root,
                                                  const std::string& sys_root) {
  return std::make_unique<LinuxSources>(entries, proc_root, sys_root);
}

}  // namespace sysring::broker
