#include "linux_sources.hpp"

#include <algorithm>
#include <bit>
#include <memory>
#include <system_error>

#include <unistd.h>

#include "composite_sources.hpp"
#include "computed_reading.hpp"
#include "snapshot_sources.hpp"
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
    std::uint32_t metric = kNone;
    std::uint32_t computed = kNone;
    if (entry.platform != "linux") {
      reason = "not a linux metric (platform '" + std::string(entry.platform) + "')";
    } else if (entry.source.starts_with("computed:")) {
      computed = bind_computed(entry, entry.source.substr(9), proc_root, sys_root, reason);
    } else {
      metric = bind_source(entry.source, entry.type, proc_root, sys_root, reason);
    }
    slots_.push_back({{false, std::move(reason)}, metric, computed});
  }

  // The first read decides what this machine has: a key absent now stays unavailable.
  for (SourceFile& file : files_) {
    if (file.file.is_open()) refresh(file);
  }
  for (Slot& slot : slots_) {
    if (slot.computed != kNone) {
      Computed& c = computed_[slot.computed];
      for (std::size_t i = 0; i < c.inputs.size() && slot.availability.reason.empty(); ++i) {
        const Metric& input = metrics_[c.inputs[i]];
        if (input.reading.status != layout::SlotStatus::kOk)
          slot.availability.reason = "input " + c.input_sources[i] + ": " + why_unavailable(input);
      }
      // A formula with no meaningful value now (no swap configured) stays unavailable; rates
      // are not evaluated here so that the first tick, not construction, takes their base.
      if (slot.availability.reason.empty() && c.kind != ComputedKind::kCpuBusy &&
          evaluate(c).status != layout::SlotStatus::kOk) {
        slot.availability.reason = std::string(c.why);
      }
      slot.availability.available = slot.availability.reason.empty();
      if (!slot.availability.available) {
        slot.computed = kNone;  // its inputs are unbound by drop_unavailable below
      }
      continue;
    }
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
  // Built by push_back and kept for the broker's life: give back the growth slack (a quarter of
  // the broker's heap here).
  files_.shrink_to_fit();
  metrics_.shrink_to_fit();
  computed_.shrink_to_fit();
  slots_.shrink_to_fit();
  for (SourceFile& file : files_) file.keys.shrink_to_fit();
}

// Parses a source and attaches it to its file (opened on first use). Returns the metric index,
// or kNone with `reason` set.
std::uint32_t LinuxSources::bind_source(std::string_view source, schema::ValueType type,
                                        const std::string& proc_root, const std::string& sys_root,
                                        std::string& reason) {
  ParsedSource parsed = parse_source(source);
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
                      {},
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
  metric.type = type;
  metrics_.push_back(metric);
  key_it->metrics.push_back(index);
  return index;
}

// "computed:NAME": binds the formula's inputs as hidden metrics. Returns the index into
// computed_, or kNone with `reason` set.
std::uint32_t LinuxSources::bind_computed(const registry::RegistryEntry& entry,
                                          std::string_view what, const std::string& proc_root,
                                          const std::string& sys_root, std::string& reason) {
  Computed c;
  c.type = entry.type;
  auto inputs = [&](ComputedKind kind, std::initializer_list<std::string_view> sources) {
    c.kind = kind;
    for (const std::string_view src : sources) c.input_sources.emplace_back(src);
  };
  if (what == "mem_used_percent") {
    inputs(ComputedKind::kMemUsed, {"meminfo:MemTotal", "meminfo:MemAvailable"});
  } else if (what == "mem_cache_percent") {
    inputs(ComputedKind::kMemCache, {"meminfo:MemTotal", "meminfo:Cached"});
  } else if (what == "swap_used_percent") {
    inputs(ComputedKind::kSwapUsed, {"meminfo:SwapTotal", "meminfo:SwapFree"});
  } else if (what == "uptime_seconds") {
    inputs(ComputedKind::kUptime, {"uptime:0"});
  } else if (what == "sockets_inuse") {
    inputs(ComputedKind::kSocketsInuse, {"sockstat:TCP:inuse", "sockstat:UDP:inuse"});
  } else if (what == "clock_ticks") {
    inputs(ComputedKind::kClockTicks, {});
  } else if (what == "page_size") {
    inputs(ComputedKind::kPageSize, {});
  } else if (what.starts_with("cpu_busy_percent:")) {  // ":cpu" overall, ":cpu0" one CPU
    c.kind = ComputedKind::kCpuBusy;
    const std::string line(what.substr(17));
    for (int field = 0; field < 8; ++field)
      c.input_sources.push_back("stat:" + line + ":" + std::to_string(field));
  } else {
    reason = "bad source '" + std::string(entry.source) + "': unknown computed metric";
    return kNone;
  }
  const bool u64_out = c.kind == ComputedKind::kSocketsInuse ||
                       c.kind == ComputedKind::kClockTicks || c.kind == ComputedKind::kPageSize;
  if (entry.type != (u64_out ? schema::ValueType::U64 : schema::ValueType::F64)) {
    reason = "computed:" + std::string(what) + " is " + (u64_out ? "u64" : "f64") + ", not " +
             type_name(entry.type);
    return kNone;
  }
  for (const std::string& src : c.input_sources) {
    const auto type =
        c.kind == ComputedKind::kUptime ? schema::ValueType::F64 : schema::ValueType::U64;
    const std::uint32_t m = bind_source(src, type, proc_root, sys_root, reason);
    if (m == kNone) {
      reason = "input " + src + ": " + reason;
      return kNone;
    }
    c.inputs.push_back(m);
  }
  computed_.push_back(std::move(c));
  return static_cast<std::uint32_t>(computed_.size() - 1);
}

// Reads the inputs (refreshing their files at most once per tick) and applies the formula.
// An input that fails this tick makes the output a read error: never a made-up value.
Reading LinuxSources::evaluate(Computed& c) {
  std::array<std::uint64_t, 8> in{};
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    const Metric& m = metrics_[c.inputs[i]];
    SourceFile& file = files_[m.file];
    if (file.refreshed_tick != tick_) refresh(file);
    if (m.reading.status != layout::SlotStatus::kOk) return {layout::SlotStatus::kReadError, 0, {}};
    in[i] = m.reading.bits;
  }
  computed::Result r;
  switch (c.kind) {
    case ComputedKind::kMemUsed:
      r = computed::used_percent(in[0], in[1], "MemTotal is 0");
      break;
    case ComputedKind::kMemCache:
      r = computed::share_percent(in[1], in[0], "MemTotal is 0");
      break;
    case ComputedKind::kSwapUsed:
      r = computed::used_percent(in[0], in[1], "no swap configured");
      break;
    case ComputedKind::kCpuBusy:
      r = c.cpu.update(computed::cpu_sample(in));
      break;
    case ComputedKind::kUptime:
      r = {computed::Outcome::kOk, std::bit_cast<double>(in[0]), {}};
      break;
    case ComputedKind::kSocketsInuse:
      r = {computed::Outcome::kOk, static_cast<double>(in[0] + in[1]), {}};
      break;
    case ComputedKind::kClockTicks: {
      const long hz = sysconf(_SC_CLK_TCK);
      r = hz > 0
              ? computed::Result{computed::Outcome::kOk, static_cast<double>(hz), {}}
              : computed::Result{computed::Outcome::kUnavailable, 0, "sysconf(_SC_CLK_TCK) failed"};
      break;
    }
    case ComputedKind::kPageSize: {
      const long bytes = sysconf(_SC_PAGESIZE);
      r = bytes > 0 ? computed::Result{computed::Outcome::kOk, static_cast<double>(bytes), {}}
                    : computed::Result{computed::Outcome::kUnavailable, 0,
                                       "sysconf(_SC_PAGESIZE) failed"};
      break;
    }
  }
  c.why = r.why;
  return reading_of(r, c.type);
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

  // Kernel files keep their layout, so what record n was last time is taken as given: the key it
  // matched is compared once, and a record no key wanted is skipped unread. Should a bound key
  // not turn up that way (the layout moved), the file is scanned again the slow way.
  if (!match_records(file, /*use_hints=*/true)) match_records(file, /*use_hints=*/false);
}

bool LinuxSources::match_records(SourceFile& file, bool use_hints) {
  if (!use_hints) file.key_at_record.clear();
  procfs::RecordReader reader(file.format, file.file.contents());
  procfs::Record record;
  std::size_t left = 0;
  for (const Key& key : file.keys) left += key.seen ? 0 : 1;
  for (std::uint32_t n = 0; left > 0 && reader.next(record); ++n) {
    if (n >= file.key_at_record.size()) file.key_at_record.push_back(kUnmatched);
    std::uint32_t k = file.key_at_record[n];
    if (k == kNoKey) continue;
    if (k == kUnmatched || file.keys[k].key != record.key || file.keys[k].group != record.group) {
      k = kNoKey;
      for (std::uint32_t i = 0; i < file.keys.size(); ++i) {
        if (file.keys[i].key == record.key && file.keys[i].group == record.group) {
          k = i;
          break;
        }
      }
      file.key_at_record[n] = k;
      if (k == kNoKey) continue;
    }
    Key& key = file.keys[k];
    if (key.seen) continue;  // first occurrence wins
    key.seen = true;
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
  }
  return left == 0;
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
// Hidden inputs count as read only while their computed row is available (a row that failed
// half-way through binding its inputs leaves the first ones orphaned).
void LinuxSources::drop_unavailable() {
  std::vector<bool> read_by_a_row(metrics_.size(), false);
  for (const Slot& slot : slots_) {
    if (slot.metric != kNone) read_by_a_row[slot.metric] = true;
    if (slot.computed == kNone) continue;
    for (const std::uint32_t m : computed_[slot.computed].inputs) read_by_a_row[m] = true;
  }
  for (SourceFile& file : files_) {
    for (Key& key : file.keys) {
      std::erase_if(key.metrics, [&](std::uint32_t m) {
        return !read_by_a_row[m] || metrics_[m].reading.status != layout::SlotStatus::kOk;
      });
    }
    std::erase_if(file.keys, [](const Key& key) { return key.metrics.empty(); });
    file.key_at_record.clear();  // key indices moved
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
  const Slot& slot = slots_[slot_of_id_[id]];
  if (slot.computed != kNone) {
    Computed& c = computed_[slot.computed];
    if (c.tick != tick_) {  // a second read in one tick must not advance a rate's base
      c.tick = tick_;
      c.reading = evaluate(c);
    }
    return c.reading;
  }
  const std::uint32_t m = slot.metric;
  if (m == kNone) return {layout::SlotStatus::kUnavailable, 0, {}};
  SourceFile& file = files_[metrics_[m].file];
  if (file.refreshed_tick != tick_) refresh(file);
  return metrics_[m].reading;
}

// Rows of snapshot kinds (timex, conntrack_stat, ...) go to SnapshotSources, the rest to
// LinuxSources' procfs files; one CompositeSources answers for both.
std::unique_ptr<MetricSources> make_linux_sources(std::span<const registry::RegistryEntry> entries,
                                                  const std::string& proc_root,
                                                  const std::string& sys_root) {
  std::vector<registry::RegistryEntry> files;
  std::vector<registry::RegistryEntry> snapshots;
  for (const auto& e : entries) (is_snapshot_source(e.source) ? snapshots : files).push_back(e);
  auto out = std::make_unique<CompositeSources>();
  out->add(std::make_unique<LinuxSources>(files, proc_root, sys_root), files);
  SnapshotPaths paths;
  paths.proc_root = proc_root;
  paths.sys_root = sys_root;
  out->add(std::make_unique<SnapshotSources>(snapshots, paths), snapshots);
  return out;
}

}  // namespace sysring::broker
