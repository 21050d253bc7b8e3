// An rtnetlink RTM_GETLINK dump reply (broker/sources/linux/rtnetlink_parser.cpp): the chunk
// scan that decides when the dump ends, then every link record with its attributes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "sources/linux/rtnetlink_parser.hpp"

namespace linux_instances = sysring::broker::linux_instances;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
  (void)linux_instances::scan_chunk(bytes, 1);
  linux_instances::LinkDumpReader reader(bytes);
  linux_instances::LinkRecord link;
  for (std::size_t links = 0; reader.next(link); ++links) {
    if (links > size) __builtin_trap();  // every record consumes bytes
  }
  (void)reader.status();
  return 0;
}
