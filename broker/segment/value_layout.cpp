#include "segment/value_layout.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace sysring::broker {

ValueLayout::ValueLayout(std::span<const registry::RegistryEntry> entries,
                         const DomainCapacities& capacities) {
  std::uint64_t next = 0;
  auto reserve = [&next](std::uint64_t words) {
    const std::uint64_t at = next;
    next += words;
    if (next > layout::kMaxValueWords) {
      throw std::length_error("value table would need " + std::to_string(next) +
                              " words, more than " + std::to_string(layout::kMaxValueWords));
    }
    return static_cast<std::uint32_t>(at);
  };
  for (std::size_t i = 0; i < kDomainCount; ++i) {
    const auto domain = static_cast<InstanceDomain>(i);
    const std::uint32_t rows = domain == InstanceDomain::None ? 1 : capacities[i];
    if (rows > layout::kMaxDomainRows) {
      throw std::length_error(std::string(domain_name(domain)) + ": " + std::to_string(rows) +
                              " rows, more than " + std::to_string(layout::kMaxDomainRows));
    }
    domains_[i] = {domain, rows, reserve(rows)};
  }
  std::uint16_t max_id = 0;
  for (const auto& e : entries) max_id = std::max(max_id, e.id);
  index_.assign(std::size_t{max_id} + 1, kNone);
  for (const auto& e : entries) {
    if (index_[e.id] != kNone) continue;
    ColumnPlan c;
    c.family = e.id;
    c.domain = e.domain;
    c.type = e.type;
    c.cell_words = layout::cell_words(static_cast<std::uint8_t>(e.type));
    c.rows = domain(e.domain).capacity;
    c.column = reserve(layout::column_words(c.rows, c.cell_words));
    index_[e.id] = static_cast<std::uint32_t>(columns_.size());
    columns_.push_back(c);
  }
  words_ = static_cast<std::uint32_t>(std::max<std::uint64_t>(next, 1));
}

}  // namespace sysring::broker
