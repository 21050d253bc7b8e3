// What the exporter answers, independent of the HTTP library: GET (and HEAD) of the telemetry
// path gives the metrics in the negotiated format and encoding, `/` a small landing page linking
// it (as node_exporter's), anything else 404, and any other method 405.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "metrics_renderer.hpp"

namespace sysring::exporter {

struct Reply {
  unsigned status = 200;
  std::string content_type;
  std::string content_encoding;            // "gzip" or empty
  std::string allow;                       // for 405
  std::shared_ptr<const ScrapeBody> body;  // the metrics (shared with other scrapers)
  std::string text;                        // any other body
  bool head_only = false;                  // HEAD: headers (with the length) and no body

  [[nodiscard]] std::string_view payload() const noexcept {
    return body ? std::string_view(body->bytes) : std::string_view(text);
  }
};

class RequestHandler {
 public:
  RequestHandler(std::string telemetry_path, MetricsRenderer& renderer);

  [[nodiscard]] Reply handle(std::string_view method, std::string_view target,
                             std::string_view accept, std::string_view accept_encoding);

 private:
  std::string telemetry_path_;
  std::string landing_page_;
  MetricsRenderer& renderer_;
};

}  // namespace sysring::exporter
