#include "http_server.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>
#include <stdexcept>

#include "exporter_log.hpp"

namespace sysring::exporter {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

tcp::endpoint parse_listen_address(const std::string& address) {
  const auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    throw std::invalid_argument("listen address '" + address + "' has no port (host:port)");
  }
  std::string host = address.substr(0, colon);
  const std::string port_text = address.substr(colon + 1);
  unsigned long port = 0;
  try {
    std::size_t used = 0;
    port = std::stoul(port_text, &used);
    if (used != port_text.size() || port > 65535) throw std::invalid_argument("range");
  } catch (const std::exception&) {
    throw std::invalid_argument("listen address '" + address + "': bad port '" + port_text + "'");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return {tcp::v6(), static_cast<unsigned short>(port)};
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(host, ec);
  if (ec) {
    throw std::invalid_argument("listen address '" + address + "': '" + host +
                                "' is not an IP address");
  }
  return {ip, static_cast<unsigned short>(port)};
}

namespace {

std::string_view view(beast::string_view s) {
  return {s.data(), s.size()};
}

Reply plain_reply(unsigned status, std::string text) {
  Reply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  reply.text = std::move(text);
  return reply;
}

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, RequestHandler& handler, const ServerLimits& limits,
          std::atomic<unsigned>& open)
      : stream_(std::move(socket)), handler_(handler), limits_(limits), open_(open) {}
  ~Session() { open_.fetch_sub(1, std::memory_order_relaxed); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() { read(); }

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits_.header_bytes));
    parser_->body_limit(limits_.body_bytes);
    stream_.expires_after(limits_.request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::connection_reset || ec == asio::error::eof) {
      close();
      return;
    }
    if (ec == http::error::body_limit) {
      reply_error(413, "413 request body too large\n");
      return;
    }
    if (ec == http::error::header_limit) {
      reply_error(431, "431 request header fields too large\n");
      return;
    }
    if (ec) {
      reply_error(400, "400 bad request\n");
      return;
    }
    const auto& request = parser_->get();
    try {
      reply_ = handler_.handle(view(request.method_string()), view(request.target()),
                               view(request[http::field::accept]),
                               view(request[http::field::accept_encoding]));
    } catch (const std::exception& e) {
      log(LogLevel::kError, "request failed", {{"err", e.what()}});
      reply_ = plain_reply(500, "500 internal error\n");
    }
    write(request.keep_alive(), request.version());
  }

  void reply_error(unsigned status, std::string text) {
    reply_ = plain_reply(status, std::move(text));
    write(false, 11);
  }

  void write(bool keep_alive, unsigned version) {
    response_.emplace();
    auto& r = *response_;
    r.version(version);
    r.result(reply_.status);
    r.set(http::field::content_type, reply_.content_type);
    if (!reply_.content_encoding.empty()) {
      r.set(http::field::content_encoding, reply_.content_encoding);
      r.set(http::field::vary, "Accept-Encoding");
    }
    if (!reply_.allow.empty()) r.set(http::field::allow, reply_.allow);
    r.keep_alive(keep_alive);
    const std::string_view payload = reply_.payload();
    if (reply_.head_only) {
      r.content_length(payload.size());
    } else {
      r.body() = http::span_body<const char>::value_type(payload.data(), payload.size());
      r.prepare_payload();
    }
    stream_.expires_after(limits_.request_timeout);
    serializer_.emplace(r);
    if (reply_.head_only) serializer_->split(true);
    const auto done = [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
      self->on_write(ec, keep_alive);
    };
    if (reply_.head_only) {
      http::async_write_header(stream_, *serializer_, done);
    } else {
      http::async_write(stream_, *serializer_, done);
    }
  }

  void on_write(beast::error_code ec, bool keep_alive) {
    serializer_.reset();
    response_.reset();
    reply_ = {};
    if (ec || !keep_alive) {
      close();
      return;
    }
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  using Response = http::response<http::span_body<const char>>;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<Response> response_;
  std::optional<http::response_serializer<http::span_body<const char>>> serializer_;
  Reply reply_;  // keeps the shared body alive while it is written
  RequestHandler& handler_;
  const ServerLimits& limits_;
  std::atomic<unsigned>& open_;
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, const std::string& listen_address,
                       RequestHandler& handler, const ServerLimits& limits)
    : io_(io), acceptor_(io), retry_(io), handler_(handler), limits_(limits) {
  tcp::endpoint endpoint = parse_listen_address(listen_address);
  beast::error_code ec;
  const auto open_and_bind = [&](const tcp::endpoint& at) {
    ec = {};
    if (acceptor_.is_open()) acceptor_.close(ec);
    acceptor_.open(at.protocol(), ec);
    if (ec) return;
    acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (at.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(false), ec);
    acceptor_.bind(at, ec);
    if (ec) return;
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  };
  open_and_bind(endpoint);
  // ":port" on a kernel without IPv6 falls back to every IPv4 address.
  if (ec && endpoint.address() == asio::ip::address_v6::any()) {
    endpoint = tcp::endpoint(tcp::v4(), endpoint.port());
    open_and_bind(endpoint);
  }
  if (ec) {
    throw std::runtime_error("cannot listen on " + listen_address + ": " + ec.message());
  }
}

tcp::endpoint HttpServer::local_endpoint() const {
  return acceptor_.local_endpoint();
}

void HttpServer::start() {
  accept();
}

void HttpServer::accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      if (open_connections_.fetch_add(1, std::memory_order_relaxed) >= limits_.max_connections) {
        open_connections_.fetch_sub(1, std::memory_order_relaxed);
        log(LogLevel::kDebug, "connection refused: too many open connections");
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<Session>(std::move(socket), handler_, limits_, open_connections_)->start();
      }
    } else {
      // EMFILE and the like: say so, and try again a little later rather than spin on it.
      log(LogLevel::kWarn, "accept failed", {{"err", ec.message()}});
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([this](beast::error_code wait) {
        if (!wait) accept();
      });
      return;
    }
    accept();
  });
}

}  // namespace sysring::exporter
