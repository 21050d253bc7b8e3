#include "statfs_decode.hpp"

#include <array>

namespace sysring::broker::darwin {
namespace {

constexpr std::size_t kBsizeOffset = offsetof(StatfsLayout, f_bsize);
constexpr std::size_t kFlagsOffset = offsetof(StatfsLayout, f_flags);

constexpr std::array<MountField, 6> kFields = {{
    {"size", offsetof(StatfsLayout, f_blocks), MountFieldKind::kBlocksTimesSize},
    {"free", offsetof(StatfsLayout, f_bfree), MountFieldKind::kBlocksTimesSize},
    {"avail", offsetof(StatfsLayout, f_bavail), MountFieldKind::kBlocksTimesSize},
    {"files", offsetof(StatfsLayout, f_files), MountFieldKind::kCount},
    {"files_free", offsetof(StatfsLayout, f_ffree), MountFieldKind::kCount},
    {"readonly", kFlagsOffset, MountFieldKind::kFlagBit, kMntRdonly},
}};

}  // namespace

DecodeStatus count_mounts(Bytes reply, std::size_t& count) {
  count = 0;
  if (reply.size() % kStatfsBytes != 0) return DecodeStatus::kBadLength;
  count = reply.size() / kStatfsBytes;
  return DecodeStatus::kOk;
}

DecodeStatus decode_mount(Bytes reply, std::size_t index, MountRecord& out) {
  if (index >= reply.size() / kStatfsBytes) return DecodeStatus::kTruncated;
  const Bytes raw = reply.subspan(index * kStatfsBytes, kStatfsBytes);
  out.raw = raw;
  out.fs_type = read_chars(raw, offsetof(StatfsLayout, f_fstypename), kFsTypeNameBytes);
  out.mount_point = read_chars(raw, offsetof(StatfsLayout, f_mntonname), kMountNameBytes);
  out.device = read_chars(raw, offsetof(StatfsLayout, f_mntfromname), kMountNameBytes);
  return out.mount_point.empty() ? DecodeStatus::kMalformed : DecodeStatus::kOk;
}

const MountField* find_mount_field(std::string_view name) {
  for (const MountField& f : kFields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Decoded decode_mount_field(const MountRecord& record, const MountField& field) {
  if (record.raw.size() < kStatfsBytes) return {DecodeStatus::kTruncated, 0, {}};
  switch (field.kind) {
    case MountFieldKind::kBlocksTimesSize: {
      const std::uint64_t blocks = read_le(record.raw, field.offset, 8).value_or(0);
      const std::uint64_t bsize = read_le(record.raw, kBsizeOffset, 4).value_or(0);
      std::uint64_t bytes = 0;
      if (__builtin_mul_overflow(blocks, bsize, &bytes)) return {DecodeStatus::kOutOfRange, 0, {}};
      return {DecodeStatus::kOk, bytes, {}};
    }
    case MountFieldKind::kCount:
      return {DecodeStatus::kOk, read_le(record.raw, field.offset, 8).value_or(0), {}};
    case MountFieldKind::kFlagBit: {
      const std::uint64_t flags = read_le(record.raw, field.offset, 4).value_or(0);
      return {DecodeStatus::kOk, (flags & field.bit) != 0 ? 1u : 0u, {}};
    }
  }
  return {DecodeStatus::kMalformed, 0, {}};
}

}  // namespace sysring::broker::darwin
