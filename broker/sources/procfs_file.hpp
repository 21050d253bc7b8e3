// One procfs/sysfs file kept open for the life of the broker and re-read in place.
//
// Opening once and re-reading with pread(fd, buf, cap, 0) avoids a path walk and an fd
// allocation per read, and keeps working after the broker drops privileges. The buffer grows
// only when a read fills it (at the first refresh, or when a file grows past what it held), so a
// steady-state refresh does not allocate. It starts small: most of the broker's files are
// /proc/sys and sysfs values of a few bytes, and 4 KiB each was a third of its resident set.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace sysring::broker {

class ProcfsFile {
 public:
  // How the kernel produces the file, which decides when a read is complete.
  enum class ReadMode {
    // Iterated seq_files (e.g. /proc/vmstat) may return a short read at an internal page
    // boundary while more records follow: read until pread returns 0.
    kUntilEof,
    // Files generated in one piece (/proc/sys handlers, single_open seq_files such as meminfo,
    // stat, loadavg, net/snmp): a read that does not fill the buffer holds the whole file, so
    // the extra empty pread (as costly as the read itself) is skipped. A read that fills it is
    // read again whole from offset 0 into a bigger buffer: a read at an offset would come from
    // a newer generation of the file and could tear a line.
    kWholeInOneRead,
  };

  ProcfsFile() = default;
  // Opens `path` O_RDONLY|O_CLOEXEC; on failure is_open() is false and open_error() says why.
  explicit ProcfsFile(std::string path, ReadMode mode = ReadMode::kUntilEof);
  ~ProcfsFile();
  ProcfsFile(ProcfsFile&& other) noexcept;
  ProcfsFile& operator=(ProcfsFile&& other) noexcept;
  ProcfsFile(const ProcfsFile&) = delete;
  ProcfsFile& operator=(const ProcfsFile&) = delete;

  [[nodiscard]] bool is_open() const { return fd_ >= 0; }
  [[nodiscard]] int open_error() const { return open_error_; }  // errno of the failed open
  [[nodiscard]] const std::string& path() const { return path_; }

  // Reads the whole file again from offset 0. Returns 0, or an errno value (contents() is then
  // empty, so stale bytes are never mistaken for fresh ones).
  int refresh();
  // The bytes of the last successful refresh; valid until the next refresh().
  [[nodiscard]] std::string_view contents() const { return {buffer_.get(), size_}; }
  [[nodiscard]] std::size_t capacity() const { return capacity_; }

  void close();

  static constexpr std::size_t kInitialCapacity = 256;
  static constexpr std::size_t kMaxCapacity = std::size_t{16} << 20;  // runaway guard

 private:
  std::string path_;
  int fd_ = -1;
  int open_error_ = 0;
  ReadMode mode_ = ReadMode::kUntilEof;
  std::unique_ptr<char[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sysring::broker
