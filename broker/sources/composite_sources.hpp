// Several MetricSources behind one: each id is answered by the source that owns its row
// (kernel files, counters, ...), so the tick loop still sees a single source.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sources/metric_sources.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker {

class CompositeSources final : public MetricSources {
 public:
  // `source` answers for every id in `entries`; a later add() for the same id replaces it.
  void add(std::unique_ptr<MetricSources> source, std::span<const registry::RegistryEntry> entries);

  [[nodiscard]] const Availability& availability(std::uint16_t id) const override;
  void begin_tick() override;
  Reading read(std::uint16_t id) override;

 private:
  static constexpr std::uint8_t kNone = 0xFF;
  std::vector<std::unique_ptr<MetricSources>> sources_;
  std::vector<std::uint8_t> owner_;  // by id: index into sources_, or kNone
};

}  // namespace sysring::broker
