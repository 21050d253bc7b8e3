// Linux implementation of MetricSources: binds registry rows to kept-open procfs files.
//
// Binding happens once, at construction: each `source` column is parsed (source_spec.hpp), its
// file opened (procfs_file.hpp) and read once; what is missing then stays unavailable with a
// reason. A file's bound keys live in a small table; a refresh is one pread plus one pass over
// the records (procfs_parsers.hpp) that fills every bound metric of that file, so read() is O(1)
// once its file has been refreshed this tick. Not thread-safe: one tick loop owns it.
//
// "computed:" rows are served here too: each binds its inputs as hidden metrics of the same
// files, so a computed read shares the tick's single refresh of meminfo or stat with the plain
// rows, and the tick loop stays unaware of them. The formulas live in computed_metrics.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "computed_metrics.hpp"
#include "metric_sources.hpp"
#include "procfs_file.hpp"
#include "procfs_parsers.hpp"

namespace sysring::broker {

class LinuxSources final : public MetricSources {
 public:
  LinuxSources(std::span<const registry::RegistryEntry> entries, const std::string& proc_root,
               const std::string& sys_root = "/sys");

  [[nodiscard]] const Availability& availability(std::uint16_t id) const override;
  void begin_tick() override;
  Reading read(std::uint16_t id) override;

  // File reads so far, construction included: lets tests check "at most once per tick, and
  // only when one of the file's metrics is read".
  [[nodiscard]] std::uint64_t refresh_count() const { return refresh_count_; }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  static constexpr std::uint32_t kUnmatched = UINT32_MAX;
  static constexpr std::uint32_t kNoKey = UINT32_MAX - 1;

  struct Metric {
    std::uint32_t file = 0;
    std::uint32_t key = 0;  // index into the file's keys; meaningful during construction only
    std::size_t field = procfs::kWholeField;
    schema::ValueType type = schema::ValueType::Unknown;
    // Set by the last refresh of `file`:
    Reading reading;
    bool key_found = false;
    procfs::Decoded decoded;
  };
  struct Key {
    std::string group;  // snmp protocol
    std::string key;
    std::vector<std::uint32_t> metrics;  // indices into metrics_
    bool seen = false;                   // during one refresh pass
  };
  struct SourceFile {
    std::string name;  // relative to its root, for messages: "meminfo", "sys/fs/file-nr"
    procfs::Format format = procfs::Format::kWhole;
    bool sysfs = false;  // under the sys root rather than the proc root
    ProcfsFile file;
    std::vector<Key> keys;
    // What record n matched last time: a key index, kNoKey, or kUnmatched (not looked at yet).
    std::vector<std::uint32_t> key_at_record;
    std::uint64_t refreshed_tick = UINT64_MAX;
    int error = 0;  // errno of the last refresh
  };
  enum class ComputedKind : std::uint8_t {
    kMemUsed,
    kMemCache,
    kSwapUsed,
    kCpuBusy,
    kUptime,
    kSocketsInuse,
    kClockTicks,  // sysconf(_SC_CLK_TCK): no file holds USER_HZ
    kPageSize,    // sysconf(_SC_PAGESIZE): the unit of sockstat's mem and other page counts
  };
  struct Computed {
    ComputedKind kind = ComputedKind::kMemUsed;
    schema::ValueType type = schema::ValueType::F64;
    std::vector<std::string> input_sources;  // for reasons only
    std::vector<std::uint32_t> inputs;       // indices into metrics_
    computed::CpuBusy cpu;                   // kCpuBusy: the previous sample
    std::uint64_t tick = UINT64_MAX;         // tick of `reading`: evaluated once per tick
    Reading reading;
    std::string_view why;  // of the last kUnavailable outcome
  };
  struct Slot {  // one per registry entry
    Availability availability;
    std::uint32_t metric = kNone;
    std::uint32_t computed = kNone;  // index into computed_ for "computed:" rows
  };

  std::uint32_t bind_source(std::string_view source, schema::ValueType type,
                            const std::string& proc_root, const std::string& sys_root,
                            std::string& reason);
  std::uint32_t bind_computed(const registry::RegistryEntry& entry, std::string_view what,
                              const std::string& proc_root, const std::string& sys_root,
                              std::string& reason);
  Reading evaluate(Computed& c);
  void refresh(SourceFile& file);
  // One pass over the file's records filling the keys not seen yet; true when all were found.
  bool match_records(SourceFile& file, bool use_hints);
  [[nodiscard]] std::string why_unavailable(const Metric& metric) const;
  void drop_unavailable();

  std::vector<SourceFile> files_;
  std::vector<Metric> metrics_;
  std::vector<Computed> computed_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> slot_of_id_;  // id -> index into slots_, or kNone
  std::uint64_t tick_ = 0;
  std::uint64_t refresh_count_ = 0;
};

}  // namespace sysring::broker
