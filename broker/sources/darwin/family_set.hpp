// The registry rows of one darwin instance source, bound once at construction: a row whose
// source is "<prefix>:FIELD", with a FIELD the source decodes and type u64, is bound to that
// field; any other row stays unavailable with a one-line reason.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metric_sources.hpp"
#include "sysctl_decode.hpp"
#include "sysring/registry_entry.hpp"

namespace sysring::broker::darwin {

// Why `row` cannot be "<prefix>:FIELD" of type u64 (empty when it can); `field` gets FIELD.
[[nodiscard]] std::string row_problem(const registry::RegistryEntry& row, std::string_view prefix,
                                      std::string_view& field);

// A decoded value as the sink takes it: kOk with its bits, anything else a read error.
[[nodiscard]] inline Reading to_reading(const Decoded& d) {
  if (d.status != DecodeStatus::kOk) return {layout::SlotStatus::kReadError, 0, {}};
  return {layout::SlotStatus::kOk, d.bits, {}};
}

template <typename Field>
class FamilySet {
 public:
  using Lookup = std::optional<Field> (*)(std::string_view field);
  struct Bound {
    std::uint16_t id;
    Field field;
  };

  FamilySet(std::span<const registry::RegistryEntry> rows, std::string_view prefix, Lookup lookup) {
    for (const registry::RegistryEntry& row : rows) {
      std::string_view name;
      std::string reason = row_problem(row, prefix, name);
      std::optional<Field> field;
      if (reason.empty()) {
        field = lookup(name);
        if (!field) reason = std::string(prefix) + ": no field '" + std::string(name) + "'";
      }
      ids_.push_back(row.id);
      availability_.push_back({reason.empty(), reason});
      if (field) bound_.push_back({row.id, *field});
    }
  }

  [[nodiscard]] std::span<const std::uint16_t> ids() const { return ids_; }
  [[nodiscard]] std::span<const Bound> bound() const { return bound_; }

  [[nodiscard]] const Availability& availability(std::uint16_t id) const {
    static const Availability kNotOurs{false, "not a family of this source"};
    for (std::size_t i = 0; i < ids_.size(); ++i) {
      if (ids_[i] == id) return availability_[i];
    }
    return kNotOurs;
  }

  // The first read failed: nothing this source reads is available on this machine.
  void unavailable_from_start(const std::string& reason) {
    for (Availability& a : availability_) {
      if (!a.available) continue;
      a.available = false;
      a.reason = reason;
    }
    bound_.clear();
  }

 private:
  std::vector<std::uint16_t> ids_;
  std::vector<Availability> availability_;  // parallel to ids_
  std::vector<Bound> bound_;                // the available families, in registry order
};

}  // namespace sysring::broker::darwin
