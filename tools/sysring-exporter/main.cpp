// sysring-exporter: serves the broker's segment to Prometheus. Parses the command line, binds
// the listen address, serves until SIGINT, SIGTERM or SIGHUP, and turns every failure into one
// "sysring-exporter: error:" line and a non-zero exit.
#include <signal.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "exporter_log.hpp"
#include "exporter_options.hpp"
#include "http_server.hpp"
#include "metrics_renderer.hpp"
#include "request_handler.hpp"

namespace {

using namespace sysring::exporter;

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int fail(int code, const char* message) {
  (void)std::fprintf(stderr, "sysring-exporter: error: %s\n", message);
  return code;
}

int serve(const ExporterOptions& options) {
  set_log_level(options.log_level);
  boost::asio::io_context io(static_cast<int>(options.threads));
  MetricsRenderer renderer(options.renderer);
  RequestHandler handler(options.telemetry_path, renderer);
  HttpServer server(io, options.listen_address, handler, options.limits);
  // SIGHUP (its terminal closed) stops it cleanly too, as it does sysringd.
  boost::asio::signal_set stop(io, SIGINT, SIGTERM, SIGHUP);
  stop.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  server.start();
  const auto endpoint = server.local_endpoint();
  log(LogLevel::kInfo, "listening",
      {{"address", endpoint.address().to_string() + ":" + std::to_string(endpoint.port())},
       {"telemetry_path", options.telemetry_path},
       {"segment", options.renderer.segment}});
  std::vector<std::thread> threads;  // (not jthread: macOS's libc++ lacks it)
  for (unsigned i = 1; i < options.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  io.stop();
  for (auto& thread : threads) thread.join();
  log(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // A scraper that hangs up mid-reply is an error on that socket, not a signal death.
  (void)::signal(SIGPIPE, SIG_IGN);
  try {
    const auto options = parse_exporter_options(argc, argv);
    if (!options) return 0;
    return serve(*options);
  } catch (const UsageError& e) {
    return fail(kExitUsage, e.what());
  } catch (const std::exception& e) {
    return fail(kExitError, e.what());
  }
}
