// Darwin sysctl replies (broker/sources/darwin/sysctl_decode.cpp): the input is one reply's
// bytes, decoded as a node format (sysctl.oidfmt), as an integer of each registry type, a string,
// a u64 array element and every struct field the registry reads (timeval, loadavg, xsw_usage,
// clockinfo), exactly as the darwin sources decode what sysctl(3) returned.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

#include "sources/darwin/sysctl_decode.hpp"

namespace darwin = sysring::broker::darwin;
using sysring::schema::ValueType;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const darwin::Bytes reply(data, size);
  darwin::NodeFormat format;
  if (darwin::decode_node_format(reply, format) == darwin::DecodeStatus::kOk) {
    (void)darwin::shape_of(format);
    const std::string_view struct_name = darwin::struct_name_of(format);
    (void)darwin::struct_size(struct_name);
  }
  constexpr std::array<ValueType, 4> kTypes = {ValueType::U64, ValueType::I64, ValueType::F64,
                                               ValueType::String};
  for (const ValueType type : kTypes) (void)darwin::decode_integer(reply, type);
  (void)darwin::decode_string(reply, 256);
  for (std::size_t i = 0; i < 4; ++i) (void)darwin::decode_u64_element(reply, i);
  constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kFields = {{
      {"timeval", "sec"},
      {"timeval", "usec"},
      {"loadavg", "avg1"},
      {"loadavg", "avg5"},
      {"loadavg", "avg15"},
      {"loadavg", "fscale"},
      {"xsw_usage", "total"},
      {"xsw_usage", "avail"},
      {"xsw_usage", "used"},
      {"xsw_usage", "pagesize"},
      {"xsw_usage", "encrypted"},
      {"clockinfo", "hz"},
      {"clockinfo", "tick"},
      {"clockinfo", "tickadj"},
      {"clockinfo", "stathz"},
      {"clockinfo", "profhz"},
  }};
  for (const auto& [struct_name, field_name] : kFields) {
    const darwin::StructField* field = darwin::find_struct_field(struct_name, field_name);
    if (field == nullptr) __builtin_trap();  // the registry's fields all exist
    for (const ValueType type : kTypes) {
      if (darwin::field_fits_type(*field, type))
        (void)darwin::decode_struct_field(reply, *field, type);
    }
  }
  return 0;
}
