#include "exposition.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace sysring::exporter {
namespace {

void append_escaped(std::string& out, std::string_view text, bool escape_quotes) {
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && escape_quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

std::string_view type_word(Format format, MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kUntyped:
      // OpenMetrics' word is "unknown", which promtool's parser (Prometheus 2.42) rejects;
      // Prometheus stores gauge and unknown alike, so these go out as gauges there.
      return format == Format::kOpenMetrics ? "gauge" : "untyped";
  }
  return "untyped";
}

bool ends_with_unit(std::string_view name, std::string_view unit) {
  return !unit.empty() && name.size() > unit.size() + 1 && name.ends_with(unit) &&
         name[name.size() - unit.size() - 1] == '_';
}

}  // namespace

std::string_view content_type(Format format) noexcept {
  return format == Format::kOpenMetrics
             ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8";
}

void append_family_header(std::string& out, Format format, std::string_view name,
                          std::string_view help, MetricType type, std::string_view unit) {
  std::string_view family = name;
  if (format == Format::kOpenMetrics && type == MetricType::kCounter &&
      family.ends_with("_total")) {
    family.remove_suffix(6);
  }
  out += "# HELP ";
  out += family;
  out += ' ';
  // Text 0.0.4 escapes only backslash and newline in HELP; OpenMetrics also the double quote.
  append_escaped(out, help, format == Format::kOpenMetrics);
  out += "\n# TYPE ";
  out += family;
  out += ' ';
  out += type_word(format, type);
  out += '\n';
  if (format == Format::kOpenMetrics && ends_with_unit(family, unit)) {
    out += "# UNIT ";
    out += family;
    out += ' ';
    out += unit;
    out += '\n';
  }
}

void append_escaped_label_value(std::string& out, std::string_view value) {
  append_escaped(out, value, true);
}

void append_sample_prefix(std::string& out, std::string_view name,
                          std::span<const LabelPair> labels) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    bool first = true;
    for (const auto& label : labels) {
      if (!first) out += ',';
      first = false;
      out += label.key;
      out += "=\"";
      append_escaped(out, label.value, true);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
}

void append_value(std::string& out, double value) {
  if (std::isnan(value)) {
    out += "NaN";
  } else if (std::isinf(value)) {
    out += value > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    std::to_chars_result result{};
    // Whole numbers below 2^63 exactly as integers (what node_exporter's counts look like);
    // everything else in the shortest round-trip form.
    if (value == std::trunc(value) && std::fabs(value) < 9.2e18) {
      result = std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value));
    } else {
      result = std::to_chars(buffer, buffer + sizeof buffer, value);
    }
    out.append(buffer, result.ptr);
  }
  out += '\n';
}

void append_end(std::string& out, Format format) {
  if (format == Format::kOpenMetrics) out += "# EOF\n";
}

std::string sanitize_metric_name(std::string_view name) {
  std::string out(name);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const char c = out[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) out[i] = '_';
  }
  return out;
}

}  // namespace sysring::exporter
