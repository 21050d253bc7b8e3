#include "requests/request_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "sysring/errno_text.hpp"

namespace sysring::broker::requests {
namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  throw std::runtime_error(what + ": " + errno_text(err));
}

sockaddr_un address_of(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

// True when something accepts connections on `path`: another broker serves it.
bool someone_listens(const std::string& path) {
  const int probe = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (probe < 0) return false;
  const sockaddr_un addr = address_of(path);
  const bool live = ::connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
  ::close(probe);
  return live;
}

void make_directory(const RequestSocketSettings& s) {
  const std::size_t slash = s.path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  const std::string dir = s.path.substr(0, slash);
  if (::mkdir(dir.c_str(), 0755) != 0) {
    if (errno == EEXIST) return;
    fail("request socket directory " + dir, errno);
  }
  // The umask may have narrowed it; clients must be able to reach the socket inside.
  if (::fchmodat(AT_FDCWD, dir.c_str(), 0755, 0) != 0) fail("chmod " + dir, errno);
  if (s.owner &&
      ::fchownat(AT_FDCWD, dir.c_str(), *s.owner, s.owner_gid, AT_SYMLINK_NOFOLLOW) != 0) {
    fail("chown " + dir, errno);
  }
}

}  // namespace

std::string default_request_socket_path(const std::string& segment) {
  std::string name = segment;
  while (!name.empty() && name.front() == '/') name.erase(0, 1);
  return "/run/sysring/" + name + ".sock";
}

RequestSocket RequestSocket::create(const RequestSocketSettings& s) {
  const std::string& path = s.path;
  if (path.empty() || path.size() >= sizeof(sockaddr_un{}.sun_path)) {
    throw std::runtime_error("request socket path '" + path + "' must be 1 to " +
                             std::to_string(sizeof(sockaddr_un{}.sun_path) - 1) + " bytes");
  }
  make_directory(s);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      throw std::runtime_error("request socket " + path + " exists and is not a socket");
    }
    if (someone_listens(path)) {
      throw std::runtime_error("request socket " + path + " is served by another process");
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) fail("remove stale " + path, errno);
  }
  const int fd = ::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) fail("request socket", errno);
  const auto close_and_fail = [&](const std::string& what) {
    const int err = errno;
    ::close(fd);
    fail(what, err);
  };
  const sockaddr_un addr = address_of(path);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    close_and_fail("bind " + path);
  }
  const auto unlink_and_fail = [&](const std::string& what) {
    const int err = errno;
    ::unlink(path.c_str());
    ::close(fd);
    fail(what, err);
  };
  if (::fchmodat(AT_FDCWD, path.c_str(), s.mode, 0) != 0) unlink_and_fail("chmod " + path);
  if (s.owner || s.group) {
    const uid_t uid = s.owner ? *s.owner : static_cast<uid_t>(-1);
    const gid_t gid = s.group ? *s.group : (s.owner ? s.owner_gid : static_cast<gid_t>(-1));
    if (::fchownat(AT_FDCWD, path.c_str(), uid, gid, AT_SYMLINK_NOFOLLOW) != 0) {
      unlink_and_fail("chown " + path);
    }
  }
  if (::listen(fd, 64) != 0) unlink_and_fail("listen " + path);
  if (::lstat(path.c_str(), &st) != 0) unlink_and_fail("stat " + path);
  return RequestSocket(fd, path, st.st_dev, st.st_ino);
}

RequestSocket::RequestSocket(RequestSocket&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)), dev_(o.dev_), ino_(o.ino_) {}

RequestSocket::~RequestSocket() {
  remove();
}

void RequestSocket::remove() noexcept {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  struct stat st {};
  // Only our own socket: a later broker's under the same path is not ours to remove.
  if (::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
    ::unlink(path_.c_str());
  }
}

}  // namespace sysring::broker::requests
