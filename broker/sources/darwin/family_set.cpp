#include "family_set.hpp"

namespace sysring::broker::darwin {

std::string row_problem(const registry::RegistryEntry& row, std::string_view prefix,
                        std::string_view& field) {
  const std::string expected = std::string(prefix) + ":";
  if (!row.source.starts_with(expected) || row.source.size() == expected.size()) {
    return "bad source '" + std::string(row.source) + "': expected " + expected + "FIELD";
  }
  field = row.source.substr(expected.size());
  if (row.type != schema::ValueType::U64) {
    const char* type = schema::EnumNameValueType(row.type);
    return std::string(row.source) + " is u64, not " + (type != nullptr ? type : "unknown");
  }
  return {};
}

}  // namespace sysring::broker::darwin
