// Short questions about what a RecordingSink recorded, for the Linux instance source tests.
#pragma once

#include <bit>
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "recording_sink.hpp"

namespace sysring::test {

// The bits reported for `family` of instance `name` when its status was kOk; nullopt when the
// status was another or nothing was reported.
inline std::optional<std::uint64_t> ok_bits(const RecordingSink& sink, std::uint16_t family,
                                            const std::string& name) {
  const broker::Reading* r = sink.reading(family, name);
  if (r == nullptr || r->status != layout::SlotStatus::kOk) return std::nullopt;
  return r->bits;
}

inline std::optional<double> ok_f64(const RecordingSink& sink, std::uint16_t family,
                                    const std::string& name) {
  const auto bits = ok_bits(sink, family, name);
  if (!bits) return std::nullopt;
  return std::bit_cast<double>(*bits);
}

// The status reported for `family` of `name`; nullopt when nothing was reported.
inline std::optional<layout::SlotStatus> status_of(const RecordingSink& sink, std::uint16_t family,
                                                   const std::string& name) {
  const broker::Reading* r = sink.reading(family, name);
  if (r == nullptr) return std::nullopt;
  return r->status;
}

// The names the last refresh reported present.
inline std::set<std::string> names(const RecordingSink& sink) {
  std::set<std::string> out;
  for (const auto& [name, seen] : sink.present()) out.insert(name);
  return out;
}

}  // namespace sysring::test
