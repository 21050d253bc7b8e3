// The two text formats a scraper may ask for, written straight into one string:
//   Prometheus text 0.0.4   # HELP / # TYPE, counters named with _total
//   OpenMetrics 1.0.0       # HELP / # TYPE / # UNIT, counter families named without _total,
//                           unknown instead of untyped, and a final "# EOF"
// Sample lines are the same in both (an OpenMetrics counter's sample is family_total), so one
// sample text serves both and only the family headers differ.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace sysring::exporter {

enum class Format : unsigned char { kPrometheusText, kOpenMetrics };
inline constexpr std::size_t kFormatCount = 2;

enum class MetricType : unsigned char { kGauge, kCounter, kUntyped };

[[nodiscard]] std::string_view content_type(Format format) noexcept;

struct LabelPair {
  std::string_view key;
  std::string_view value;
};

// "# HELP", "# TYPE" and (OpenMetrics, when `name` ends in _<unit>) "# UNIT" lines of a family.
// `name` is the Prometheus text name: a counter's ends in _total.
void append_family_header(std::string& out, Format format, std::string_view name,
                          std::string_view help, MetricType type, std::string_view unit);

// `name{k="v",...} ` (with the trailing space): the text before a sample's value. Label values
// are escaped; keys must be valid label names.
void append_sample_prefix(std::string& out, std::string_view name,
                          std::span<const LabelPair> labels);

// A label value escaped as both formats want it (backslash, double quote, newline).
void append_escaped_label_value(std::string& out, std::string_view value);

// A sample value as both formats accept it: integers exactly (up to 2^63), other values in the
// shortest form that reads back to the same double, NaN and +Inf / -Inf spelled as required.
void append_value(std::string& out, double value);

// The end of a whole exposition ("# EOF\n" for OpenMetrics, nothing for text 0.0.4).
void append_end(std::string& out, Format format);

// Metric and label names: [a-zA-Z_:][a-zA-Z0-9_:]* (labels without ':'). Anything else in a
// sysring name becomes '_'.
[[nodiscard]] std::string sanitize_metric_name(std::string_view name);

}  // namespace sysring::exporter
