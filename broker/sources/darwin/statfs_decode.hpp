// getfsstat(2) replies as bytes -> one record per mounted filesystem. Portable (no Apple headers)
// and tested on Linux with byte fixtures.
//
// The reply is an array of `struct statfs` in its 64-bit-inode form, the only one arm64 has
// (XNU bsd/sys/mount.h __DARWIN_STRUCT_STATFS64): u32 f_bsize, i32 f_iosize, u64 f_blocks,
// f_bfree, f_bavail, f_files, f_ffree, fsid_t f_fsid (2 x i32), uid_t f_owner, u32 f_type,
// f_flags, f_fssubtype, char f_fstypename[MFSTYPENAMELEN 16], f_mntonname[MAXPATHLEN 1024],
// f_mntfromname[MAXPATHLEN], u32 f_flags_ext, f_reserved[7]. Names are NUL-terminated inside
// their arrays; one without a NUL is taken whole.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "little_endian.hpp"
#include "sysctl_decode.hpp"

namespace sysring::broker::darwin {

inline constexpr std::size_t kFsTypeNameBytes = 16;   // MFSTYPENAMELEN
inline constexpr std::size_t kMountNameBytes = 1024;  // MAXPATHLEN
inline constexpr std::uint32_t kMntRdonly = 0x1;      // MNT_RDONLY

// Mirrored only to pin the offsets the decoder uses; bytes are never cast to it.
struct StatfsLayout {
  std::uint32_t f_bsize;
  std::int32_t f_iosize;
  std::uint64_t f_blocks;
  std::uint64_t f_bfree;
  std::uint64_t f_bavail;
  std::uint64_t f_files;
  std::uint64_t f_ffree;
  std::int32_t f_fsid[2];
  std::uint32_t f_owner;
  std::uint32_t f_type;
  std::uint32_t f_flags;
  std::uint32_t f_fssubtype;
  char f_fstypename[kFsTypeNameBytes];
  char f_mntonname[kMountNameBytes];
  char f_mntfromname[kMountNameBytes];
  std::uint32_t f_flags_ext;
  std::uint32_t f_reserved[7];
};
inline constexpr std::size_t kStatfsBytes = sizeof(StatfsLayout);
static_assert(kStatfsBytes == 2168);
static_assert(offsetof(StatfsLayout, f_blocks) == 8 && offsetof(StatfsLayout, f_ffree) == 40);
static_assert(offsetof(StatfsLayout, f_flags) == 64 && offsetof(StatfsLayout, f_fstypename) == 72);
static_assert(offsetof(StatfsLayout, f_mntonname) == 88 &&
              offsetof(StatfsLayout, f_mntfromname) == 1112);

// One mounted filesystem; the views point into the reply.
struct MountRecord {
  std::string_view mount_point;  // f_mntonname
  std::string_view device;       // f_mntfromname
  std::string_view fs_type;      // f_fstypename
  Bytes raw;                     // the whole struct statfs
};

// How many records the reply holds: kBadLength when it is not a whole number of them (an
// empty reply is zero mounts).
[[nodiscard]] DecodeStatus count_mounts(Bytes reply, std::size_t& count);

// Record `index`: kTruncated when it is not wholly inside the reply, kMalformed when its mount
// point is empty (such a record is skipped).
[[nodiscard]] DecodeStatus decode_mount(Bytes reply, std::size_t index, MountRecord& out);

// A value of the record, as the registry's `getfsstat:FIELD` sources name it.
enum class MountFieldKind : std::uint8_t {
  kBlocksTimesSize,  // a block count (u64 at `offset`) times f_bsize, in bytes
  kCount,            // a u64 count as it is
  kFlagBit,          // 1 when `bit` is set in f_flags
};
struct MountField {
  std::string_view name;  // "size", "avail", "readonly", ...
  std::size_t offset;
  MountFieldKind kind;
  std::uint32_t bit = 0;
};

// nullptr when the registry names no such field.
[[nodiscard]] const MountField* find_mount_field(std::string_view name);

// The field's value: kTruncated for a short record, kOutOfRange when blocks times f_bsize does
// not fit 64 bits.
[[nodiscard]] Decoded decode_mount_field(const MountRecord& record, const MountField& field);

}  // namespace sysring::broker::darwin
