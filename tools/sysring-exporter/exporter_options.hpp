// sysring-exporter's command line, in node_exporter's style (Boost.Program_options):
//   --web.listen-address=:19700 --web.telemetry-path=/metrics --segment=/sysring
//   --allow-stale --collector.<name> / --no-collector.<name> --collector.disable-defaults
//   --collector.filesystem.mount-points-exclude=RE ... --log-level=info
#pragma once

#include <optional>
#include <string>

#include "exporter_log.hpp"
#include "http_server.hpp"
#include "metrics_renderer.hpp"

namespace sysring::exporter {

// Not in Prometheus' default-port list: that list filled the 9100-9999 block it hands out in
// 2023, so no port inside it is free; 19700 is outside it, unassigned in /etc/services, and
// below Linux's ephemeral range (32768-60999), so an outgoing connection never holds it.
inline constexpr std::string_view kDefaultListenAddress = ":19700";

struct ExporterOptions {
  std::string listen_address{kDefaultListenAddress};
  std::string telemetry_path = "/metrics";
  RendererSettings renderer;
  ServerLimits limits;
  unsigned threads = 1;
  LogLevel log_level = LogLevel::kInfo;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// nullopt after --help or --version (already printed). Throws UsageError with one line.
[[nodiscard]] std::optional<ExporterOptions> parse_exporter_options(int argc,
                                                                    const char* const* argv);

}  // namespace sysring::exporter
