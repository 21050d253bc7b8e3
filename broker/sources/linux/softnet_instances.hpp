// Per-CPU packet processing from <proc>/net/softnet_stat, attached to the cpu domain's live
// instances (this source does not own the domain: a line of a CPU that is not an instance is
// skipped).
//
// Families (registry `source`):
//   softnet:processed     packets the CPU's NET_RX softirq processed
//   softnet:dropped       packets dropped because the CPU's backlog queue was full
//   softnet:time_squeeze  times the softirq stopped with work left
// The CPU of a line is its 13th field (5.14+), else the line's position among the online CPUs
// of <sys>/devices/system/cpu/online (read only then). One pread of the kept-open file per
// refresh in which a family is due.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "family_table.hpp"
#include "instances/instance_config.hpp"
#include "instances/instance_source.hpp"
#include "sources/procfs_file.hpp"

namespace sysring::broker::linux_instances {

class SoftnetInstances final : public InstanceSource {
 public:
  SoftnetInstances(std::span<const registry::RegistryEntry> rows, const InstanceConfig& config);

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Cpu; }
  [[nodiscard]] bool owns_domain() const override { return false; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return table_.ids(); }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return table_.of(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return 0; }
  void refresh(InstanceSink& sink) override;

 private:
  struct Field {
    std::uint16_t family;
    std::size_t index;  // into SoftnetLine::fields
  };

  ProcfsFile softnet_;
  ProcfsFile online_file_;
  std::vector<std::uint32_t> online_;
  FamilyTable table_;
  std::vector<Field> fields_;  // available families only
};

}  // namespace sysring::broker::linux_instances
