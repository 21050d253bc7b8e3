// One directory kept open and listed again from its start on each refresh.
//
// getdents64 into a caller's buffer after lseek(fd, 0) re-reads the listing without opendir's
// allocation and path walk per refresh. sysfs, cgroupfs and ordinary filesystems all accept the
// rewind. Entry names are views into the buffer, valid during the callback.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace sysring::broker::linux_instances {

class DirectoryFd {
 public:
  DirectoryFd() = default;
  // Opens `path` O_RDONLY|O_DIRECTORY|O_CLOEXEC; on failure is_open() is false.
  explicit DirectoryFd(const std::string& path);
  ~DirectoryFd();
  DirectoryFd(DirectoryFd&& other) noexcept;
  DirectoryFd& operator=(DirectoryFd&& other) noexcept;
  DirectoryFd(const DirectoryFd&) = delete;
  DirectoryFd& operator=(const DirectoryFd&) = delete;

  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  [[nodiscard]] int open_error() const { return open_error_; }  // errno of the failed open

  // Calls on_entry(name, d_type) for each entry but "." and "..". `scratch` holds one batch of
  // raw entries (a few KiB lists most directories in one call). Returns 0, or an errno value
  // (a directory removed under the fd lists nothing, or fails with ENOENT).
  template <class OnEntry>
  int for_each_entry(std::span<char> scratch, OnEntry&& on_entry);

 private:
  // Rewinds to the first entry; 0 or an errno value.
  int rewind();
  // Reads the next batch of raw entries into `scratch`: bytes read (0 at the end) or -errno.
  long read_batch(std::span<char> scratch);

  int fd_ = -1;
  int open_error_ = 0;
};

// One raw linux_dirent64 record: decoded by copying its fields out of the byte buffer.
struct DirectoryEntry {
  std::string_view name;
  unsigned char type = 0;  // DT_DIR, DT_REG, ... (DT_UNKNOWN on filesystems that do not say)
  std::size_t record_length = 0;
};

// Decodes the record at `batch`'s start; record_length 0 when the bytes are not a whole record.
DirectoryEntry decode_directory_entry(std::span<const char> batch);

template <class OnEntry>
int DirectoryFd::for_each_entry(std::span<char> scratch, OnEntry&& on_entry) {
  if (fd_ < 0) return open_error_;
  if (const int err = rewind(); err != 0) return err;
  for (;;) {
    const long n = read_batch(scratch);
    if (n < 0) return static_cast<int>(-n);
    if (n == 0) return 0;
    std::span<const char> batch = scratch.first(static_cast<std::size_t>(n));
    while (!batch.empty()) {
      const DirectoryEntry entry = decode_directory_entry(batch);
      if (entry.record_length == 0) break;
      batch = batch.subspan(entry.record_length);
      if (entry.name != "." && entry.name != "..") on_entry(entry.name, entry.type);
    }
  }
}

}  // namespace sysring::broker::linux_instances
