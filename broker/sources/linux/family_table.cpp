#include "family_table.hpp"

#include <utility>

namespace sysring::broker::linux_instances {

void FamilyTable::set(std::uint16_t id, Availability availability) {
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (ids_[i] == id) {
      availability_[i] = std::move(availability);
      return;
    }
  }
  ids_.push_back(id);
  availability_.push_back(std::move(availability));
}

const Availability& FamilyTable::of(std::uint16_t id) const {
  static const Availability kNotOurs{false, "not a family of this source"};
  for (std::size_t i = 0; i < ids_.size(); ++i) {
    if (ids_[i] == id) return availability_[i];
  }
  return kNotOurs;
}

bool is_linux_row_of(const registry::RegistryEntry& row, InstanceDomain domain) {
  return row.domain == domain && (row.platform.empty() || row.platform == "linux");
}

std::string bad_source(std::string_view source, std::string_view why) {
  std::string reason = "bad source '";
  reason.append(source).append("': ").append(why);
  return reason;
}

}  // namespace sysring::broker::linux_instances
