#include "metric_reading.hpp"

#include <algorithm>

#include "instance_text.hpp"

namespace sysring::cli {

namespace {
// Each read already spins kMaxReadAttempts times; a few more calls cover a broker that was
// preempted mid-write, and still bound the wait.
constexpr int kBusyRetries = 3;

bool busy(const FamilyValues& values) {
  return std::any_of(values.values.begin(), values.values.end(),
                     [](const InstanceValue& v) { return v.status == ReadStatus::kBusy; });
}

}  // namespace

MetricReading read_metric(const Client& client, const Descriptor& descriptor) {
  MetricReading reading;
  reading.descriptor = &descriptor;
  for (int attempt = 0; attempt < kBusyRetries; ++attempt) {
    if (descriptor.type == ValueType::String) {
      Text text;
      reading.status = client.read_text(descriptor.id, text);
      reading.read_time_ns = text.read_time_ns;
      if (reading.status == ReadStatus::kOk) reading.text.assign(text.view());
    } else if (descriptor.type == ValueType::Counter) {
      reading.status = client.read_counter(descriptor.id, reading.counter);
      reading.read_time_ns = reading.counter.read_time_ns;
      reading.bits = reading.counter.count;
    } else {
      Scalar scalar;
      reading.status = client.read(descriptor.id, scalar);
      reading.read_time_ns = scalar.read_time_ns;
      reading.bits = scalar.bits;
    }
    if (reading.status != ReadStatus::kBusy) break;
  }
  return reading;
}

std::vector<MetricReading> read_instances(const Client& client, const Descriptor& family,
                                          const Selector& selector) {
  FamilyValues values;
  for (int attempt = 0; attempt < kBusyRetries; ++attempt) {
    client.read_family(family.id, values);
    if (!busy(values)) break;
  }
  std::vector<MetricReading> readings;
  for (const InstanceValue& v : values.values) {
    if (!selector.matches(*v.instance)) continue;
    MetricReading& r = readings.emplace_back();
    r.descriptor = &family;
    r.instance = std::shared_ptr<const Instance>(values.directory, v.instance);
    r.status = v.status;
    r.bits = v.value.bits;
    r.read_time_ns = v.value.read_time_ns;
    if (family.type == ValueType::Counter) r.counter = v.counter;
  }
  std::stable_sort(readings.begin(), readings.end(),
                   [](const MetricReading& a, const MetricReading& b) {
                     return natural_less(a.instance->name, b.instance->name);
                   });
  return readings;
}

std::string status_text(const MetricReading& reading) {
  std::string text = to_string(reading.status);
  if (reading.status == ReadStatus::kUnavailable && reading.descriptor != nullptr &&
      !reading.descriptor->unavailable_reason.empty()) {
    text += ": " + reading.descriptor->unavailable_reason;
  }
  return text;
}

}  // namespace sysring::cli
