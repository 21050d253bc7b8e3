// The exporter's request handling (tools/sysring-exporter): the input is the bytes a client sends
// on a connection. They are parsed by the same Boost.Beast request parser with the server's
// header and body limits (http_server.cpp), and a request that parses goes to the RequestHandler
// (routing, content negotiation of Accept and Accept-Encoding, the rendered reply) as the server
// hands it over. No broker runs: /metrics renders sysring_broker_up 0.
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string_view>

#include "content_negotiation.hpp"
#include "http_server.hpp"
#include "metrics_renderer.hpp"
#include "request_handler.hpp"

namespace http = boost::beast::http;
namespace exporter = sysring::exporter;

namespace {

std::string_view view(boost::beast::string_view s) {
  return {s.data(), s.size()};
}

exporter::RequestHandler& handler() {
  static exporter::MetricsRenderer* renderer = [] {
    exporter::RendererSettings settings;
    settings.segment = "/sysring-fuzz-no-broker";
    return new exporter::MetricsRenderer(settings);
  }();
  static exporter::RequestHandler* h = new exporter::RequestHandler("/metrics", *renderer);
  return *h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const exporter::ServerLimits limits;
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.header_bytes));
  parser.body_limit(limits.body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  const auto& request = parser.get();
  const std::string_view accept = view(request[http::field::accept]);
  const std::string_view encoding = view(request[http::field::accept_encoding]);
  (void)exporter::negotiate_format(accept);
  (void)exporter::accepts_gzip(encoding);
  if (ec || !parser.is_header_done()) return 0;
  try {
    const exporter::Reply reply =
        handler().handle(view(request.method_string()), view(request.target()), accept, encoding);
    if (reply.status < 100 || reply.status > 599) __builtin_trap();
  } catch (const std::exception&) {
    // The server answers 500 to whatever the handler throws (http_server.cpp).
  }
  return 0;
}
