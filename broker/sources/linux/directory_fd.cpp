#include "sources/linux/directory_fd.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace sysring::broker::linux_instances {
namespace {

// struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
constexpr std::size_t kRecordLengthOffset = 16;
constexpr std::size_t kTypeOffset = 18;
constexpr std::size_t kNameOffset = 19;

}  // namespace

DirectoryFd::DirectoryFd(const std::string& path) {
  do {
    fd_ = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } while (fd_ < 0 && errno == EINTR);
  if (fd_ < 0) open_error_ = errno;
}

DirectoryFd::~DirectoryFd() {
  if (fd_ >= 0) ::close(fd_);
}

DirectoryFd::DirectoryFd(DirectoryFd&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), open_error_(other.open_error_) {}

DirectoryFd& DirectoryFd::operator=(DirectoryFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    open_error_ = other.open_error_;
  }
  return *this;
}

int DirectoryFd::rewind() {
  return ::lseek(fd_, 0, SEEK_SET) < 0 ? errno : 0;
}

long DirectoryFd::read_batch(std::span<char> scratch) {
  for (;;) {
    const long n = ::syscall(SYS_getdents64, fd_, scratch.data(), scratch.size());
    if (n >= 0) return n;
    if (errno != EINTR) return -errno;
  }
}

DirectoryEntry decode_directory_entry(std::span<const char> batch) {
  DirectoryEntry entry;
  if (batch.size() < kNameOffset) return entry;
  std::uint16_t record_length = 0;
  std::memcpy(&record_length, batch.data() + kRecordLengthOffset, sizeof record_length);
  if (record_length <= kNameOffset || record_length > batch.size()) return entry;
  std::memcpy(&entry.type, batch.data() + kTypeOffset, sizeof entry.type);
  // The name is NUL-terminated and padded within the record.
  const char* const name = batch.data() + kNameOffset;
  entry.name = {name, ::strnlen(name, record_length - kNameOffset)};
  entry.record_length = record_length;
  return entry;
}

}  // namespace sysring::broker::linux_instances
