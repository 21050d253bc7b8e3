// Opening a shared-memory object that another user may have planted: never blocking, never
// following a link, and refusing anything but a shm object before any call that could block.
// Shared by the client (open, reattach, health) and the broker (stale-segment check, close).
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstddef>
#include <string>

namespace sysring::detail {

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd();
  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] bool valid() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// A read-only shared mapping, unmapped on destruction.
class ReadOnlyMapping {
 public:
  ReadOnlyMapping() = default;
  // PROT_READ, MAP_SHARED, `size` bytes from offset 0. On failure the mapping is empty and errno
  // says why.
  ReadOnlyMapping(int fd, std::size_t size) noexcept;
  ReadOnlyMapping(ReadOnlyMapping&& other) noexcept;
  ReadOnlyMapping& operator=(ReadOnlyMapping&& other) noexcept;
  ReadOnlyMapping(const ReadOnlyMapping&) = delete;
  ReadOnlyMapping& operator=(const ReadOnlyMapping&) = delete;
  ~ReadOnlyMapping();
  [[nodiscard]] void* address() const noexcept { return address_; }
  [[nodiscard]] bool valid() const noexcept { return address_ != nullptr; }

 private:
  void* address_ = nullptr;
  std::size_t size_ = 0;
};

// fstat's type says this is a shm object: a regular file on Linux; on macOS, where fstat gives
// a shm object only its permission bits (darwin-facts §6), no type or a regular file.
bool is_shm_object(mode_t mode) noexcept;

struct OpenedObject {
  UniqueFd fd;        // valid on success
  struct stat st {};  // fstat of fd, on success
  int error = 0;      // otherwise errno of the open or fstat (ENOENT: nothing under the name)
};

// Opens the existing object `name` read-only without blocking and without following a link,
// fstats it, and refuses (throws Error(kBadSegment), one line, naming what it is: "segment /x is
// a FIFO, not a shared-memory segment; refusing it") anything that is not a shm object: a FIFO,
// directory, socket, device or symbolic link another local user planted in /dev/shm. Other
// failures come back in `error`.
OpenedObject open_shm_object(const std::string& name);

}  // namespace sysring::detail
