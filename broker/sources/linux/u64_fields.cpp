#include "u64_fields.hpp"

#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {

std::size_t parse_u64_fields(std::string_view text, std::span<std::uint64_t> out) {
  std::size_t count = 0;
  while (count < out.size()) {
    const std::string_view token = procfs::next_token(text);
    if (token.empty() || procfs::parse_u64(token, out[count]) != procfs::DecodeStatus::kOk) break;
    ++count;
  }
  return count;
}

}  // namespace sysring::broker::linux_instances
