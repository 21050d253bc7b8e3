#include "procfs_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace sysring::broker {

ProcfsFile::ProcfsFile(std::string path, ReadMode mode) : path_(std::move(path)), mode_(mode) {
  do {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0) open_error_ = errno;
}

ProcfsFile::~ProcfsFile() {
  close();
}

ProcfsFile::ProcfsFile(ProcfsFile&& other) noexcept
    : path_(std::move(other.path_)),
      fd_(std::exchange(other.fd_, -1)),
      open_error_(other.open_error_),
      mode_(other.mode_),
      buffer_(std::move(other.buffer_)),
      capacity_(std::exchange(other.capacity_, 0)),
      size_(std::exchange(other.size_, 0)) {}

ProcfsFile& ProcfsFile::operator=(ProcfsFile&& other) noexcept {
  if (this != &other) {
    close();
    path_ = std::move(other.path_);
    fd_ = std::exchange(other.fd_, -1);
    open_error_ = other.open_error_;
    mode_ = other.mode_;
    buffer_ = std::move(other.buffer_);
    capacity_ = std::exchange(other.capacity_, 0);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void ProcfsFile::close() {
  if (fd_ >= 0) ::close(fd_);  // a procfs close cannot lose data; nothing to report
  fd_ = -1;
  size_ = 0;
}

int ProcfsFile::refresh() {
  size_ = 0;
  if (fd_ < 0) return open_error_ != 0 ? open_error_ : EBADF;
  std::size_t used = 0;
  for (;;) {
    if (used == capacity_) {
      // Full (or first use): grow and keep reading. Rare after the first refresh.
      if (capacity_ >= kMaxCapacity) return EFBIG;
      const std::size_t grown =
          capacity_ == 0 ? kInitialCapacity : std::min(2 * capacity_, kMaxCapacity);
      if (mode_ == ReadMode::kWholeInOneRead) used = 0;  // one generation: read it all again
      auto bigger = std::make_unique<char[]>(grown);
      if (used > 0) std::memcpy(bigger.get(), buffer_.get(), used);
      buffer_ = std::move(bigger);
      capacity_ = grown;
    }
    const ssize_t n =
        ::pread(fd_, buffer_.get() + used, capacity_ - used, static_cast<off_t>(used));
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    // Only 0 means end of file: a seq_file (e.g. /proc/vmstat) may return a short read that
    // stops at its internal page while more records follow.
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
    if (mode_ == ReadMode::kWholeInOneRead && used < capacity_) break;
  }
  size_ = used;
  return 0;
}

}  // namespace sysring::broker
