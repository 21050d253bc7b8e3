#include "metric_reading.hpp"

namespace sysring::cli {

namespace {
// Each read() already spins kMaxReadAttempts times; a few more calls cover a broker that was
// preempted mid-write, and still bound the wait.
constexpr int kBusyRetries = 3;
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

std::string status_text(const MetricReading& reading) {
  std::string text = to_string(reading.status);
  if (reading.status == ReadStatus::kUnavailable && reading.descriptor != nullptr &&
      !reading.descriptor->unavailable_reason.empty()) {
    text += ": " + reading.descriptor->unavailable_reason;
  }
  return text;
}

}  // namespace sysring::cli
