// A getfsstat(2) reply, an array of struct statfs (broker/sources/darwin/statfs_decode.cpp):
// the mount count, each mount's names and every field the registry reads.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/darwin/statfs_decode.hpp"

namespace darwin = sysring::broker::darwin;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::array<std::string_view, 6> kFields = {"size",  "free",       "avail",
                                                       "files", "files_free", "readonly"};
  const darwin::Bytes reply(data, size);
  std::size_t count = 0;
  if (darwin::count_mounts(reply, count) != darwin::DecodeStatus::kOk) return 0;
  for (std::size_t i = 0; i <= count; ++i) {  // one past the end must be refused, not read
    darwin::MountRecord mount;
    if (darwin::decode_mount(reply, i, mount) != darwin::DecodeStatus::kOk) continue;
    if (i == count) __builtin_trap();
    for (const std::string_view name : kFields) {
      const darwin::MountField* field = darwin::find_mount_field(name);
      if (field == nullptr) __builtin_trap();
      (void)darwin::decode_mount_field(mount, *field);
    }
  }
  return 0;
}
