// The cpu domain's owner: one instance per per-CPU line of <proc>/stat, i.e. per online CPU (an
// offline CPU has no line, so it is gone until it comes back). Name "cpu3", label cpu="3".
//
// Families (registry `source`):
//   percpu_stat:N              field N of the CPU's line (0 user .. 9 guest_nice; see
//                              percpu_stat_parser.hpp). The unit of cpu.time.* is USER_HZ ticks
//                              (sysconf(_SC_CLK_TCK), 100 on every mainstream kernel), not seconds.
//   computed:cpu_busy_percent  share of the CPU's time not idle or iowait since the previous
//                              refresh; nothing is published on an instance's first refresh
//   cpufreq:FILE               <sys>/devices/system/cpu/cpuN/cpufreq/FILE, a *_freq file in kHz,
//                              published in Hz
//   topology:FILE              <sys>/devices/system/cpu/cpuN/topology/FILE (core_id, ...)
// A sysfs family whose registry pattern is STATIC (max/min frequency, topology) is read once
// each time its CPU appears; the others keep their file open from then on. instances_at_start()
// counts the possible CPUs (<sys>/devices/system/cpu/possible) when more than are online, so the
// domain has rows for CPUs brought online later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "computed_metrics.hpp"
#include "family_table.hpp"
#include "instance_roster.hpp"
#include "instances/instance_config.hpp"
#include "instances/instance_source.hpp"
#include "sources/procfs_file.hpp"
#include "sysfs_attribute.hpp"

namespace sysring::broker::linux_instances {

struct CpuLine;

class CpuInstances final : public InstanceSource {
 public:
  CpuInstances(std::span<const registry::RegistryEntry> rows, const InstanceConfig& config);

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Cpu; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return table_.ids(); }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return table_.of(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return at_start_; }
  void refresh(InstanceSink& sink) override;

 private:
  struct TimeField {
    std::uint16_t family;
    std::size_t index;  // into CpuLine::fields
  };
  struct Attribute {
    std::uint16_t family;
    std::string path;  // below cpuN: "cpufreq/scaling_cur_freq", "topology/core_id"
    AttributeFormat format;
  };
  struct Cpu {
    std::string name;  // "cpu3"
    computed::CpuBusy busy;
    std::vector<SysfsAttribute> polled;  // parallel to polled_
    std::uint32_t static_row = kNoRow;   // the row the STATIC values went to
  };

  void bind(const registry::RegistryEntry& row, std::string& reason);
  void judge_at_start();
  void judge_times(std::uint32_t& lines, std::string& first_cpu);
  void judge_attributes(const std::string& first_cpu_dir);
  [[nodiscard]] Cpu make_cpu(const CpuLine& line) const;
  void publish(InstanceSink& sink, std::uint32_t row, const CpuLine& line, Cpu& cpu);
  void publish_static(InstanceSink& sink, std::uint32_t row, const CpuLine& line, Cpu& cpu);

  ProcfsFile stat_;
  std::string cpu_dir_;  // <sys>/devices/system/cpu
  FamilyTable table_;
  std::vector<TimeField> times_;  // available families only, like the three below
  std::optional<std::uint16_t> busy_family_;
  std::vector<Attribute> polled_;
  std::vector<Attribute> static_;
  InstanceRoster<Cpu> cpus_;
  std::uint32_t at_start_ = 0;
};

}  // namespace sysring::broker::linux_instances
