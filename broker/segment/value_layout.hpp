// Where each family's column and each domain's registration words sit in one copy of the value
// table (layout.hpp has the shape; this decides the offsets). The broker plans it once, before
// the segment exists, and publishes it in the descriptor table; readers check every offset.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "sysring/domains.hpp"
#include "sysring/layout.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker {

// Rows per instance domain, indexed by domain_index(); None always has one.
using DomainCapacities = std::array<std::uint32_t, kDomainCount>;

struct DomainPlan {
  InstanceDomain domain = InstanceDomain::None;
  std::uint32_t capacity = 0;             // rows
  std::uint32_t registration_column = 0;  // word offset of row 0's registration word
};

struct ColumnPlan {
  std::uint16_t family = 0;
  InstanceDomain domain = InstanceDomain::None;
  schema::ValueType type = schema::ValueType::Unknown;
  std::uint32_t column = 0;      // word offset of the column's read-time word
  std::uint32_t cell_words = 0;  // layout::cell_words(type)
  std::uint32_t rows = 0;        // the domain's capacity
};

class ValueLayout {
 public:
  // One column per entry (a duplicate id keeps its first row). Throws std::length_error when
  // the table would pass layout::kMaxValueWords or a domain layout::kMaxDomainRows.
  ValueLayout(std::span<const registry::RegistryEntry> entries, const DomainCapacities& capacities);

  [[nodiscard]] std::uint32_t words() const noexcept { return words_; }
  [[nodiscard]] std::span<const ColumnPlan> columns() const noexcept { return columns_; }
  [[nodiscard]] std::span<const DomainPlan> domains() const noexcept { return domains_; }
  [[nodiscard]] const DomainPlan& domain(InstanceDomain d) const noexcept {
    return domains_[domain_index(d)];
  }
  // nullptr when the family has no column here.
  [[nodiscard]] const ColumnPlan* column(std::uint16_t family) const noexcept {
    return family < index_.size() && index_[family] != kNone ? &columns_[index_[family]] : nullptr;
  }
  [[nodiscard]] static std::uint64_t cell(const ColumnPlan& c, std::uint32_t row) noexcept {
    return layout::cell_offset(c.column, row, c.cell_words);
  }
  [[nodiscard]] std::uint64_t registration(InstanceDomain d, std::uint32_t row) const noexcept {
    return std::uint64_t{domain(d).registration_column} + row;
  }

 private:
  static constexpr std::uint32_t kNone = UINT32_MAX;
  std::array<DomainPlan, kDomainCount> domains_{};
  std::vector<ColumnPlan> columns_;
  std::vector<std::uint32_t> index_;  // family id -> index into columns_
  std::uint32_t words_ = 0;
};

}  // namespace sysring::broker
