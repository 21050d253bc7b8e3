#include "shm_object.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "sysring/error.hpp"

namespace sysring::detail {
namespace {

// On Linux /dev/shm is a tmpfs every user may create files in: the name may hold a FIFO (whose
// blocking open waits for a writer forever), a directory, a socket or a symbolic link. shm_open
// is kept rather than open("/dev/shm/" + name): glibc finds the shm mount itself and passes the
// extra flags through to open(2) (it adds O_NOFOLLOW | O_CLOEXEC on its own; they are named
// here so that the guarantee does not rest on that). O_NONBLOCK makes the open of a FIFO return
// at once; O_NOFOLLOW makes a symbolic link fail with ELOOP. macOS shm objects live in no
// filesystem (no FIFO, directory or link can take a name), and its shm_open documents only the
// access, O_CREAT, O_EXCL and O_TRUNC flags: it gets none of the extra ones.
#ifdef __APPLE__
constexpr int kOpenFlags = O_RDONLY;
#else
constexpr int kOpenFlags = O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC;
#endif

const char* kind_of(mode_t mode) {
  switch (mode & S_IFMT) {
    case S_IFIFO:
      return "a FIFO";
    case S_IFDIR:
      return "a directory";
    case S_IFSOCK:
      return "a socket";
    case S_IFCHR:
      return "a character device";
    case S_IFBLK:
      return "a block device";
    case S_IFLNK:
      return "a symbolic link";
    default:
      return "not a regular file";
  }
}

[[noreturn]] void refuse(const std::string& name, const char* kind) {
  throw Error(ErrorCode::kBadSegment,
              "segment " + name + " is " + kind + ", not a shared-memory segment; refusing it");
}

}  // namespace

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

ReadOnlyMapping::ReadOnlyMapping(int fd, std::size_t size) noexcept {
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  if (p != MAP_FAILED) {
    address_ = p;
    size_ = size;
  }
}

ReadOnlyMapping::ReadOnlyMapping(ReadOnlyMapping&& other) noexcept
    : address_(std::exchange(other.address_, nullptr)), size_(std::exchange(other.size_, 0)) {}

ReadOnlyMapping& ReadOnlyMapping::operator=(ReadOnlyMapping&& other) noexcept {
  if (this != &other) {
    if (address_ != nullptr) ::munmap(address_, size_);
    address_ = std::exchange(other.address_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

ReadOnlyMapping::~ReadOnlyMapping() {
  if (address_ != nullptr) ::munmap(address_, size_);
}

bool is_shm_object(mode_t mode) noexcept {
#ifdef __APPLE__
  return (mode & S_IFMT) == 0 || S_ISREG(mode);
#else
  return S_ISREG(mode);
#endif
}

OpenedObject open_shm_object(const std::string& name) {
  OpenedObject o;
  o.fd = UniqueFd(::shm_open(name.c_str(), kOpenFlags, 0));
  if (!o.fd.valid()) {
    o.error = errno;
    // O_NOFOLLOW reports a symbolic link as ELOOP (glibc turns EISDIR into EINVAL, but a
    // read-only open of a directory succeeds and is caught by the type check below).
    if (o.error == ELOOP) refuse(name, "a symbolic link");
#ifndef __APPLE__
    if (o.error == ENXIO) {
      // open(2) fails on a socket (or a device without a driver) with ENXIO: name what it is
      // from lstat of glibc's shm directory, which cannot block either.
      struct stat st {};
      const bool known = ::lstat(("/dev/shm" + name).c_str(), &st) == 0;
      refuse(name, known ? kind_of(st.st_mode) : "a socket or a device");
    }
#endif
    return o;
  }
  // The type is judged on the descriptor we hold, before anything else is done with it.
  if (::fstat(o.fd.get(), &o.st) != 0) {
    o.error = errno;
    o.fd = UniqueFd();
    return o;
  }
  if (!is_shm_object(o.st.st_mode)) refuse(name, kind_of(o.st.st_mode));
  return o;
}

}  // namespace sysring::detail
