#include "value_output.hpp"

#include <cmath>

#include "format.hpp"
#include "instance_text.hpp"
#include "output.hpp"
#include "table.hpp"

namespace sysring::cli {

std::string value_text(const Descriptor& descriptor, std::uint64_t bits) {
  return format_scalar(descriptor.type, descriptor.unit, bits);
}

std::string counter_text(const Descriptor& descriptor, const CounterTotals& counter) {
  std::string text = format_scalar(ValueType::U64, descriptor.unit, counter.count);
  // Multiplexed: say how much of the time it really counted (perf(1) prints the same share).
  if (counter.time_running_ns < counter.time_enabled_ns && counter.time_enabled_ns > 0) {
    const double share = 100.0 * static_cast<double>(counter.time_running_ns) /
                         static_cast<double>(counter.time_enabled_ns);
    text += " (counted " + std::to_string(std::lround(share)) + "% of the time)";
  }
  return text;
}

void write_json_value(JsonWriter& json, const Descriptor& descriptor, std::uint64_t bits) {
  json.key("value");
  Scalar scalar;
  scalar.bits = bits;
  switch (descriptor.type) {
    case ValueType::U64:
      json.value(scalar.as_u64());
      break;
    case ValueType::I64:
      json.value(scalar.as_i64());
      break;
    case ValueType::F64:
      json.value(scalar.as_f64());
      break;
    default:
      json.null();
      break;  // unknown encoding: no value we could vouch for
  }
}

std::string reading_name(const MetricReading& r) {
  if (!r.instance) return r.descriptor->name;
  return value_name(r.descriptor->name, r.instance->name, r.instance->labels);
}

std::string readings_table(const std::vector<MetricReading>& readings, std::uint64_t now_ns) {
  Table table({"NAME", "VALUE", "UNIT", "AGE"});
  table.set_width_cap(kValueColumnCap);
  for (const MetricReading& r : readings) {
    const Descriptor& d = *r.descriptor;
    std::string value;
    if (r.status != ReadStatus::kOk) {
      value = status_text(r);
    } else if (d.type == ValueType::String) {
      value = printable(r.text);
    } else if (d.type == ValueType::Counter) {
      value = counter_text(d, r.counter);
    } else {
      value = value_text(d, r.bits);
    }
    const bool has_time = r.status == ReadStatus::kOk || r.status == ReadStatus::kReadError;
    table.add_row({printable(reading_name(r)), printable(value),
                   d.unit.empty() ? "-" : printable(d.unit),
                   has_time && r.read_time_ns != 0 ? format_age(r.read_time_ns, now_ns) : "-"});
  }
  return table.render();
}

JsonWriter& write_identity_fields(JsonWriter& json, const Descriptor& d) {
  return json.field("id", static_cast<std::uint64_t>(d.id))
      .field("name", d.name)
      .field("category", d.category)
      .field("type", type_name(d.type))
      .field("unit", d.unit);
}

void write_reading_json(JsonWriter& json, const MetricReading& r, std::uint64_t now_ns) {
  const Descriptor& d = *r.descriptor;
  json.begin_object();
  write_identity_fields(json, d);
  json.key("instance");
  if (r.instance) {
    json.value(r.instance->name);
    write_labels_json(json, r.instance->labels);
  } else {
    json.null();
    write_labels_json(json, {});
  }
  json.field("status", to_string(r.status));
  if (r.status != ReadStatus::kOk) {
    json.key("value").null();  // never a made-up 0: the status says why there is no value
    if (r.status == ReadStatus::kUnavailable && !d.unavailable_reason.empty()) {
      json.field("reason", d.unavailable_reason);
    }
  } else if (d.type == ValueType::String) {
    json.field("value", r.text);
  } else if (d.type == ValueType::Counter) {
    json.field("value", r.counter.count)
        .field("time_enabled_ns", r.counter.time_enabled_ns)
        .field("time_running_ns", r.counter.time_running_ns);
  } else {
    write_json_value(json, d, r.bits);
  }
  if (r.read_time_ns != 0) {
    json.field("read_time_ns", r.read_time_ns);
    json.field("age_s", seconds_between(r.read_time_ns, now_ns));
  }
  json.end_object();
}

void print_readings(const Client& client, const std::vector<MetricReading>& readings, bool json) {
  // One clock reading for the whole table, taken after the reads so no age is negative.
  const std::uint64_t now = monotonic_ns();
  if (!json) {
    write_stdout(readings_table(readings, now));
    return;
  }
  const SegmentInfo info = client.info();
  JsonWriter out;
  out.begin_object()
      .field("segment", info.name)
      .field("epoch", hex64(info.epoch))
      .field("broker_pid", info.broker_pid)
      .field("health", to_string(client.health()))
      .field("now_ns", now);
  out.key("metrics").begin_array();
  for (const MetricReading& r : readings) write_reading_json(out, r, now);
  out.end_array().end_object();
  write_line(out.str());
}

}  // namespace sysring::cli
