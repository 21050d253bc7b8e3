#include "sources/composite_sources.hpp"

#include <stdexcept>

namespace sysring::broker {

void CompositeSources::add(std::unique_ptr<MetricSources> source,
                           std::span<const registry::RegistryEntry> entries) {
  if (sources_.size() >= kNone) throw std::length_error("CompositeSources: too many sources");
  const auto index = static_cast<std::uint8_t>(sources_.size());
  sources_.push_back(std::move(source));
  for (const registry::RegistryEntry& e : entries) {
    if (e.id >= owner_.size()) owner_.resize(std::size_t{e.id} + 1, kNone);
    owner_[e.id] = index;
  }
}

const Availability& CompositeSources::availability(std::uint16_t id) const {
  static const Availability kNoSource{false, "no source answers for this id"};
  if (id >= owner_.size() || owner_[id] == kNone) return kNoSource;
  return sources_[owner_[id]]->availability(id);
}

void CompositeSources::begin_tick() {
  for (const auto& source : sources_) source->begin_tick();
}

Reading CompositeSources::read(std::uint16_t id) {
  if (id >= owner_.size() || owner_[id] == kNone) return Reading{layout::SlotStatus::kUnavailable};
  return sources_[owner_[id]]->read(id);
}

}  // namespace sysring::broker
