// What a scraper's Accept and Accept-Encoding headers ask for. Prometheus sends
//   Accept: application/openmetrics-text;version=1.0.0,application/openmetrics-text;
//           version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1
//   Accept-Encoding: gzip
// Media ranges are weighed by their q values (RFC 9110 12.5.1); a range with q=0 is refused.
#pragma once

#include <string_view>

#include "exposition.hpp"

namespace sysring::exporter {

// OpenMetrics when it is acceptable and weighed at least as high as the text format; text 0.0.4
// otherwise (also for a missing or unparsable header, as every scraper reads it).
[[nodiscard]] Format negotiate_format(std::string_view accept);

// True when gzip is acceptable with q > 0 (by name or by "*").
[[nodiscard]] bool accepts_gzip(std::string_view accept_encoding);

}  // namespace sysring::exporter
