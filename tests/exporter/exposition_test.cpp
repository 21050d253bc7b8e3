// The two exposition formats: family headers, counter naming, units, escaping, numbers.
#include "exposition.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace sysring::exporter {
namespace {

std::string header(Format f, std::string_view name, MetricType type, std::string_view unit,
                   std::string_view help = "Help.") {
  std::string out;
  append_family_header(out, f, name, help, type, unit);
  return out;
}

std::string value_text(double v) {
  std::string out;
  append_value(out, v);
  return out;
}

TEST(Exposition, TextCounterKeepsTotalAndWritesNoUnit) {
  EXPECT_EQ(
      header(Format::kPrometheusText, "node_cpu_seconds_total", MetricType::kCounter, "seconds"),
      "# HELP node_cpu_seconds_total Help.\n# TYPE node_cpu_seconds_total counter\n");
}

TEST(Exposition, OpenMetricsCounterFamilyDropsTotalAndNamesItsUnit) {
  EXPECT_EQ(header(Format::kOpenMetrics, "node_cpu_seconds_total", MetricType::kCounter, "seconds"),
            "# HELP node_cpu_seconds Help.\n# TYPE node_cpu_seconds counter\n"
            "# UNIT node_cpu_seconds seconds\n");
}

TEST(Exposition, OpenMetricsUnitOnlyWhenTheNameEndsWithIt) {
  // A unit the name does not end with would make the exposition invalid: left out.
  EXPECT_EQ(header(Format::kOpenMetrics, "node_load1", MetricType::kGauge, "seconds"),
            "# HELP node_load1 Help.\n# TYPE node_load1 gauge\n");
  EXPECT_EQ(header(Format::kOpenMetrics, "x_nanoseconds", MetricType::kGauge, "seconds"),
            "# HELP x_nanoseconds Help.\n# TYPE x_nanoseconds gauge\n");
}

TEST(Exposition, UntypedIsUntypedInTextAndGaugeInOpenMetrics) {
  EXPECT_NE(header(Format::kPrometheusText, "node_vmstat_pgfault", MetricType::kUntyped, "")
                .find("# TYPE node_vmstat_pgfault untyped\n"),
            std::string::npos);
  EXPECT_NE(header(Format::kOpenMetrics, "node_vmstat_pgfault", MetricType::kUntyped, "")
                .find("# TYPE node_vmstat_pgfault gauge\n"),
            std::string::npos);
}

TEST(Exposition, HelpEscapesBackslashAndNewlineAndInOpenMetricsQuotes) {
  EXPECT_EQ(header(Format::kPrometheusText, "a", MetricType::kGauge, "", "x\\y\nz\"q"),
            "# HELP a x\\\\y\\nz\"q\n# TYPE a gauge\n");
  EXPECT_EQ(header(Format::kOpenMetrics, "a", MetricType::kGauge, "", "x\\y\nz\"q"),
            "# HELP a x\\\\y\\nz\\\"q\n# TYPE a gauge\n");
}

TEST(Exposition, SamplePrefixEscapesLabelValues) {
  std::string out;
  const LabelPair labels[] = {{"device", "a\"b\\c\nd"}, {"mode", "user"}};
  append_sample_prefix(out, "m", labels);
  EXPECT_EQ(out, "m{device=\"a\\\"b\\\\c\\nd\",mode=\"user\"} ");
  out.clear();
  append_sample_prefix(out, "m", {});
  EXPECT_EQ(out, "m ");
}

TEST(Exposition, ValuesReadBackExactly) {
  EXPECT_EQ(value_text(0), "0\n");
  EXPECT_EQ(value_text(-3), "-3\n");
  EXPECT_EQ(value_text(123456789012), "123456789012\n");
  EXPECT_EQ(value_text(0.25), "0.25\n");
  EXPECT_EQ(value_text(2975.68), "2975.68\n");
  EXPECT_EQ(value_text(std::numeric_limits<double>::quiet_NaN()), "NaN\n");
  EXPECT_EQ(value_text(std::numeric_limits<double>::infinity()), "+Inf\n");
  EXPECT_EQ(value_text(-std::numeric_limits<double>::infinity()), "-Inf\n");
  // Beyond the integer path: shortest round trip.
  const double big = 1.8446744073709552e19;
  EXPECT_EQ(std::stod(value_text(big)), big);
}

TEST(Exposition, EndMarkerOnlyInOpenMetrics) {
  std::string text;
  std::string om;
  append_end(text, Format::kPrometheusText);
  append_end(om, Format::kOpenMetrics);
  EXPECT_EQ(text, "");
  EXPECT_EQ(om, "# EOF\n");
}

TEST(Exposition, ContentTypes) {
  EXPECT_EQ(content_type(Format::kPrometheusText), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(content_type(Format::kOpenMetrics),
            "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

TEST(Exposition, SanitizeKeepsValidNamesAndReplacesTheRest) {
  EXPECT_EQ(sanitize_metric_name("node_load1"), "node_load1");
  EXPECT_EQ(sanitize_metric_name("mem.available"), "mem_available");
  EXPECT_EQ(sanitize_metric_name("9lives-x"), "_lives_x");
}

}  // namespace
}  // namespace sysring::exporter
