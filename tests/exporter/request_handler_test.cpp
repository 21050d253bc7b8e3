// Routes, methods and negotiation, without sockets; the renderer points at a segment that does
// not exist, so the metrics are the exporter's health alone (broker_up 0).
#include "request_handler.hpp"

#include <gtest/gtest.h>

namespace sysring::exporter {
namespace {

RendererSettings no_broker() {
  RendererSettings settings;
  settings.segment = "/sysring-none-xt";
  return settings;
}

TEST(RequestHandler, MetricsWithoutABrokerSayBrokerUpZero) {
  MetricsRenderer renderer(no_broker());
  RequestHandler handler("/metrics", renderer);
  const Reply reply = handler.handle("GET", "/metrics", "", "");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.content_type, content_type(Format::kPrometheusText));
  EXPECT_NE(reply.payload().find("\nsysring_broker_up 0\n"), std::string_view::npos);
  EXPECT_EQ(reply.payload().find("node_load1"), std::string_view::npos);
  EXPECT_EQ(reply.payload().find("# EOF"), std::string_view::npos);
}

TEST(RequestHandler, OpenMetricsAndGzipByNegotiation) {
  MetricsRenderer renderer(no_broker());
  RequestHandler handler("/metrics", renderer);
  const Reply om = handler.handle("GET", "/metrics?x=1", "application/openmetrics-text", "");
  EXPECT_EQ(om.content_type, content_type(Format::kOpenMetrics));
  EXPECT_TRUE(om.payload().ends_with("# EOF\n"));
  const Reply gz = handler.handle("GET", "/metrics", "", "gzip");
  EXPECT_EQ(gz.content_encoding, "gzip");
  ASSERT_GE(gz.payload().size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gz.payload()[0]), 0x1f);
}

TEST(RequestHandler, LandingPageLinksTheTelemetryPath) {
  MetricsRenderer renderer(no_broker());
  RequestHandler handler("/custom", renderer);
  const Reply reply = handler.handle("GET", "/", "", "");
  EXPECT_EQ(reply.status, 200u);
  EXPECT_NE(reply.payload().find("href=\"/custom\""), std::string_view::npos);
  EXPECT_EQ(handler.handle("GET", "/metrics", "", "").status, 404u);
  EXPECT_EQ(handler.handle("GET", "/custom", "", "").status, 200u);
}

TEST(RequestHandler, UnknownPathsAre404AndOtherMethods405) {
  MetricsRenderer renderer(no_broker());
  RequestHandler handler("/metrics", renderer);
  EXPECT_EQ(handler.handle("GET", "/nope", "", "").status, 404u);
  EXPECT_EQ(handler.handle("GET", "/metrics/", "", "").status, 404u);
  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"}) {
    const Reply reply = handler.handle(method, "/metrics", "", "");
    EXPECT_EQ(reply.status, 405u) << method;
    EXPECT_EQ(reply.allow, "GET, HEAD");
  }
  const Reply head = handler.handle("HEAD", "/metrics", "", "");
  EXPECT_EQ(head.status, 200u);
  EXPECT_TRUE(head.head_only);
}

TEST(RequestHandler, OneRenderServesEveryScrapeOfTheSameSecondAndFormat) {
  MetricsRenderer renderer(no_broker());
  // Without a broker a body is kept for the rest of the monotonic second it was made in.
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto second_before = monotonic_ns() / 1'000'000'000;
    const auto first = renderer.body(Format::kPrometheusText, false);
    const auto again = renderer.body(Format::kPrometheusText, false);
    const auto other_format = renderer.body(Format::kOpenMetrics, false);
    if (monotonic_ns() / 1'000'000'000 != second_before) continue;  // crossed a second: retry
    EXPECT_EQ(first.get(), again.get());
    EXPECT_NE(first.get(), other_format.get());
    return;
  }
  FAIL() << "three attempts each crossed a second boundary";
}

}  // namespace
}  // namespace sysring::exporter
