// The lines of /proc/diskstats, parsed in place: bytes in, one record per block device out.
//
//   " 254  0 vda 22205 6079 2915898 23658 19098 8598 3946568 20757 0 12992 47181
//     5128 64 2424560 2553 319 212"
//        -> {major 254, minor 0, name "vda", fields {22205, 6079, ...}, field_count 17}
// Field N is the N-th number after the device name (Documentation/admin-guide/iostats.rst):
//   0 reads completed   1 reads merged    2 sectors read     3 ms reading
//   4 writes completed  5 writes merged   6 sectors written  7 ms writing
//   8 I/Os in progress  9 ms doing I/O    10 weighted ms doing I/O
//   11 discards completed  12 discards merged  13 sectors discarded  14 ms discarding   (4.18+)
//   15 flushes completed   16 ms flushing                                               (5.5+)
// Older kernels print 11 or 15 fields: field_count says how many the line has. Sectors are
// 512 bytes whatever the device's block size. Fields past the 17th (a newer kernel) are ignored.
// A line without major, minor and name, or without a single field, is malformed and skipped; a
// field that is not a number ends the line's fields there.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sysring::broker::linux_instances {

inline constexpr std::size_t kDiskStatFields = 17;
inline constexpr std::uint64_t kDiskSectorBytes = 512;

struct DiskLine {
  std::uint64_t major = 0;
  std::uint64_t minor = 0;
  std::string_view name;  // "vda", "nvme0n1", "dm-0"
  std::array<std::uint64_t, kDiskStatFields> fields{};
  std::size_t field_count = 0;
};

// Iterates the device lines of one read of /proc/diskstats. Views point into `text`.
class DiskLineReader {
 public:
  explicit DiskLineReader(std::string_view text) : rest_(text) {}
  bool next(DiskLine& out);

 private:
  std::string_view rest_;
};

}  // namespace sysring::broker::linux_instances
