// Presenting metric values, as an aligned table or as JSON; shared by get, cat, all and watch.
#pragma once

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

// NAME VALUE UNIT AGE table; a status other than ok is shown in words, never as a value.
[[nodiscard]] std::string readings_table(const std::vector<MetricReading>& readings,
                                         std::uint64_t now_ns);

// {"id":..,"name":..,"status":"ok","value":..,"age_s":..} for one reading.
void write_reading_json(JsonWriter& json, const MetricReading& reading, std::uint64_t now_ns);

// The identifying fields every JSON metric object starts with: id, name, category, type, unit.
JsonWriter& write_identity_fields(JsonWriter& json, const Descriptor& d);

// Reads `descriptors` now and prints them (table, or one JSON document with a "metrics" array).
void print_current_values(const Client& client, const std::vector<const Descriptor*>& descriptors,
                          bool json);

}  // namespace sysring::cli
