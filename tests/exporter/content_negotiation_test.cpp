// Accept and Accept-Encoding as scrapers send them.
#include "content_negotiation.hpp"

#include <gtest/gtest.h>

namespace sysring::exporter {
namespace {

TEST(ContentNegotiation, PrometheusScrapeHeaderGetsOpenMetrics) {
  EXPECT_EQ(negotiate_format("application/openmetrics-text;version=1.0.0,application/"
                             "openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;"
                             "q=0.5,*/*;q=0.1"),
            Format::kOpenMetrics);
}

TEST(ContentNegotiation, TextWhenAskedForTextOrNothing) {
  EXPECT_EQ(negotiate_format(""), Format::kPrometheusText);
  EXPECT_EQ(negotiate_format("*/*"), Format::kPrometheusText);
  EXPECT_EQ(negotiate_format("text/plain;version=0.0.4"), Format::kPrometheusText);
  EXPECT_EQ(negotiate_format("garbage;;;=,,"), Format::kPrometheusText);
}

TEST(ContentNegotiation, WeightsDecide) {
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0.3, text/plain;q=0.9"),
            Format::kPrometheusText);
  EXPECT_EQ(negotiate_format("text/plain;q=0.2, application/openmetrics-text; q=0.9"),
            Format::kOpenMetrics);
  EXPECT_EQ(negotiate_format("application/openmetrics-text;q=0"), Format::kPrometheusText);
}

TEST(ContentNegotiation, OnlyOpenMetricsOneIsServed) {
  EXPECT_EQ(negotiate_format("application/openmetrics-text;version=0.0.1"),
            Format::kPrometheusText);
  EXPECT_EQ(negotiate_format("Application/OpenMetrics-Text; Version=\"1.0.0\""),
            Format::kOpenMetrics);
}

TEST(ContentNegotiation, Gzip) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("deflate, gzip;q=1.0, *;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("*, gzip;q=0"));
  EXPECT_TRUE(accepts_gzip("x-gzip"));
}

}  // namespace
}  // namespace sysring::exporter
