// Whitespace-separated unsigned numbers at the end of a kernel line ("22205 6079 2915898 ..."),
// decoded into a caller's fixed array: no allocation, one pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sysring::broker::linux_instances {

// Decodes the leading tokens of `text` into `out` until `out` is full, the text ends, or a token
// is not a whole u64 (a sign, a fraction, an overflow). Returns how many were decoded: the
// fields a kernel of this version prints, so fewer than `out.size()` means "older kernel".
std::size_t parse_u64_fields(std::string_view text, std::span<std::uint64_t> out);

}  // namespace sysring::broker::linux_instances
