// The darwin registry's `source` column, parsed:
//   sysctl:NAME            scalar integer or string node      sysctl:hw.memsize
//   sysctl:NAME:FIELD      one field of a struct node         sysctl:vm.swapusage:used
//   sysctl:NAME:[N]        element N of a u64 array node      sysctl:hw.cachesize:[1]
//   computed:FORMULA       derived by the broker              computed:swap_used_percent
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sysring::broker::darwin {

struct DarwinSource {
  enum class Kind : unsigned char { kScalar, kField, kElement, kComputed };
  Kind kind = Kind::kScalar;
  std::string_view name;   // sysctl name (kScalar, kField, kElement) or formula (kComputed)
  std::string_view field;  // kField
  std::size_t index = 0;   // kElement
};

struct ParsedDarwinSource {
  DarwinSource source;
  std::string error;  // empty when the source parsed
  [[nodiscard]] bool ok() const { return error.empty(); }
};

[[nodiscard]] ParsedDarwinSource parse_darwin_source(std::string_view text);

}  // namespace sysring::broker::darwin
