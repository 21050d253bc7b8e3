#include "request_handler.hpp"

#include "content_negotiation.hpp"

namespace sysring::exporter {

RequestHandler::RequestHandler(std::string telemetry_path, MetricsRenderer& renderer)
    : telemetry_path_(std::move(telemetry_path)), renderer_(renderer) {
  landing_page_ =
      "<html>\n<head><title>sysring exporter</title></head>\n<body>\n"
      "<h1>sysring exporter</h1>\n"
      "<p>node_exporter-compatible metrics from the sysring broker's shared memory.</p>\n"
      "<p><a href=\"" +
      telemetry_path_ + "\">Metrics</a></p>\n</body>\n</html>\n";
}

Reply RequestHandler::handle(std::string_view method, std::string_view target,
                             std::string_view accept, std::string_view accept_encoding) {
  Reply reply;
  const std::string_view path = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") {
    reply.status = 405;
    reply.allow = "GET, HEAD";
    reply.content_type = "text/plain; charset=utf-8";
    reply.text = "405 method not allowed: only GET and HEAD\n";
    return reply;
  }
  reply.head_only = method == "HEAD";
  if (path == telemetry_path_) {
    const Format format = negotiate_format(accept);
    const bool gzip = accepts_gzip(accept_encoding);
    reply.content_type = content_type(format);
    reply.body = renderer_.body(format, gzip);
    if (gzip) reply.content_encoding = "gzip";
    return reply;
  }
  if (path == "/") {
    reply.content_type = "text/html; charset=utf-8";
    reply.text = landing_page_;
    return reply;
  }
  reply.status = 404;
  reply.content_type = "text/plain; charset=utf-8";
  reply.text = "404 page not found\n";
  return reply;
}

}  // namespace sysring::exporter
