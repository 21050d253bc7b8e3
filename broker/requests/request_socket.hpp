// The request socket's file (docs/PROCESS_COUNTERS.md "The exchange" 1): its directory, the
// AF_UNIX SOCK_SEQPACKET listening socket, its mode and owner, and its removal at stop. Created
// before the broker drops privileges.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace sysring::broker::requests {

struct RequestSocketSettings {
  std::string path;
  mode_t mode = 0666;          // 0666 for allow = all, 0660 for allow = group
  std::optional<gid_t> group;  // allow = group NAME: the socket's group
  std::optional<uid_t> owner;  // --user: the socket and a directory created here are given to it
  gid_t owner_gid = 0;
};

class RequestSocket {
 public:
  // Creates the directory (0755) if it is missing, removes a stale socket of a broker that is
  // gone (nothing accepts on it), refuses a live one, binds, sets mode and owner, listens.
  // Throws std::runtime_error, one line naming the path.
  static RequestSocket create(const RequestSocketSettings& settings);

  RequestSocket(RequestSocket&& other) noexcept;
  RequestSocket& operator=(RequestSocket&&) = delete;
  RequestSocket(const RequestSocket&) = delete;
  RequestSocket& operator=(const RequestSocket&) = delete;
  ~RequestSocket();  // remove()

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] const std::string& path() const { return path_; }
  // Closes the socket and unlinks the path while it is still this socket. Idempotent.
  void remove() noexcept;

 private:
  RequestSocket(int fd, std::string path, dev_t dev, ino_t ino)
      : fd_(fd), path_(std::move(path)), dev_(dev), ino_(ino) {}

  int fd_ = -1;
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

// "/sysring" -> "/run/sysring/sysring.sock".
[[nodiscard]] std::string default_request_socket_path(const std::string& segment);

}  // namespace sysring::broker::requests
