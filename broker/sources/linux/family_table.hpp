// The families one instance source answers, each with its availability, decided at construction.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sources/metric_sources.hpp"
#include "sysring/domains.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker::linux_instances {

class FamilyTable {
 public:
  // Adds `id` (or replaces its availability when already added).
  void set(std::uint16_t id, Availability availability);
  void set_available(std::uint16_t id) { set(id, {true, {}}); }
  void set_unavailable(std::uint16_t id, std::string reason) {
    set(id, {false, std::move(reason)});
  }

  [[nodiscard]] std::span<const std::uint16_t> ids() const { return ids_; }
  // An id this table does not hold is unavailable, with a reason saying so.
  [[nodiscard]] const Availability& of(std::uint16_t id) const;
  [[nodiscard]] bool available(std::uint16_t id) const { return of(id).available; }

 private:
  std::vector<std::uint16_t> ids_;
  std::vector<Availability> availability_;  // parallel to ids_
};

// Whether a source of `domain` on Linux answers `row`: rows of other domains and rows of other
// platforms' registries (the counters' per-CPU pmc rows share the cpu domain) are not its own.
bool is_linux_row_of(const registry::RegistryEntry& row, InstanceDomain domain);

// "bad source 'netdev:x': <why>": the reason for a row whose `source` a source cannot bind.
std::string bad_source(std::string_view source, std::string_view why);

}  // namespace sysring::broker::linux_instances
