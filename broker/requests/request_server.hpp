// The request server: one thread that polls the listening socket, up to 64 connections (1 s
// each to send their request) and a stop eventfd; one reply per connection, with the
// descriptors as SCM_RIGHTS (docs/PROCESS_COUNTERS.md "The exchange"). It shares nothing with
// the tick thread, so a slow or hostile caller never delays a tick.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "requests/request_handler.hpp"
#include "requests/request_socket.hpp"

namespace sysring::broker::requests {

inline constexpr std::size_t kMaxConnections = 64;
inline constexpr std::uint64_t kConnectionDeadlineNs = 1'000'000'000;

class RequestServer {
 public:
  RequestServer(RequestSocket socket, std::unique_ptr<RequestHandler> handler);
  RequestServer(const RequestServer&) = delete;
  RequestServer& operator=(const RequestServer&) = delete;
  ~RequestServer();  // stop()

  // Starts the thread with SIGINT, SIGTERM and SIGHUP blocked (they stay the tick thread's).
  // Throws std::runtime_error when the eventfd or the thread cannot be made.
  void start();
  // Wakes the thread, joins it, closes the connections and removes the socket. Idempotent.
  void stop() noexcept;

  [[nodiscard]] const std::string& path() const { return socket_.path(); }
  [[nodiscard]] std::uint64_t requests_served() const { return served_.load(); }

 private:
  struct Connection {
    int fd;
    std::uint64_t deadline_ns;
    Caller caller;
  };
  void run();
  void accept_connections();
  void serve(Connection& connection);

  RequestSocket socket_;
  std::unique_ptr<RequestHandler> handler_;
  int stop_fd_ = -1;
  std::thread thread_;
  std::vector<Connection> connections_;
  std::atomic<std::uint64_t> served_{0};
};

}  // namespace sysring::broker::requests
