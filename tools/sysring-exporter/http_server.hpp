// The HTTP side, on Boost.Beast: one acceptor, a session per connection with keep-alive, a
// deadline on every read and write (a slow or silent client is dropped, never waited on), caps on
// header and body sizes, and a cap on open connections. Requests go to a RequestHandler.
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <string>

#include "request_handler.hpp"

namespace sysring::exporter {

struct ServerLimits {
  std::chrono::milliseconds request_timeout{10'000};  // to read a request / write a reply
  std::size_t header_bytes = std::size_t{8} * 1024;
  std::size_t body_bytes =
      std::size_t{4} * 1024;  // a scrape has no body; anything larger is refused (413)
  unsigned max_connections = 64;
};

// "host:port", ":port" (every address) or "[v6]:port". Throws std::invalid_argument.
[[nodiscard]] boost::asio::ip::tcp::endpoint parse_listen_address(const std::string& address);

class HttpServer {
 public:
  // Binds and listens; throws std::runtime_error with one line when it cannot.
  HttpServer(boost::asio::io_context& io, const std::string& listen_address,
             RequestHandler& handler, const ServerLimits& limits);
  void start();
  [[nodiscard]] boost::asio::ip::tcp::endpoint local_endpoint() const;

 private:
  void accept();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // after a failed accept
  RequestHandler& handler_;
  ServerLimits limits_;
  std::atomic<unsigned> open_connections_{0};
};

}  // namespace sysring::exporter
