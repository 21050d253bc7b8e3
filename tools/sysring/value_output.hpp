// Presenting metric values, as an aligned table or as JSON; shared by get, cat, all and watch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "json_writer.hpp"
#include "metric_reading.hpp"

namespace sysring::cli {

// The value cell for a numeric delta or reading, typed by its descriptor.
[[nodiscard]] std::string value_text(const Descriptor& descriptor, std::uint64_t bits);
// A counter's count, plus the share of time it counted when the kernel multiplexed it.
[[nodiscard]] std::string counter_text(const Descriptor& descriptor, const CounterTotals& counter);

// "value": typed JSON (integers exact, doubles shortest round-trip, non-finite as null).
void write_json_value(JsonWriter& json, const Descriptor& descriptor, std::uint64_t bits);

// Values wider than this do not widen a value table's columns (a long string value would pad
// every other row to its width).
inline constexpr std::size_t kValueColumnCap = 40;

// The NAME column of a value: `mem.total`, or `disk.read_bytes{device="vda"}` for an instance.
[[nodiscard]] std::string reading_name(const MetricReading& reading);

// NAME VALUE UNIT AGE table; a status other than ok is shown in words, never as a value.
[[nodiscard]] std::string readings_table(const std::vector<MetricReading>& readings,
                                         std::uint64_t now_ns);

// {"id":..,"name":..,"instance":..,"labels":{..},"status":"ok","value":..,"age_s":..} for one
// reading; a scalar's instance is null and its labels {}.
void write_reading_json(JsonWriter& json, const MetricReading& reading, std::uint64_t now_ns);

// The identifying fields every JSON metric object starts with: id, name, category, type, unit.
JsonWriter& write_identity_fields(JsonWriter& json, const Descriptor& d);

// Prints readings just taken (table, or one JSON document with a "metrics" array).
void print_readings(const Client& client, const std::vector<MetricReading>& readings, bool json);

}  // namespace sysring::cli
