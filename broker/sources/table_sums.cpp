#include "table_sums.hpp"

#include <charconv>

#include "sources/procfs_parsers.hpp"

namespace sysring::broker {
namespace {

constexpr std::size_t kNoField = kConntrackStatFields.size();
// Columns past this are never ours (the kernel prints 17).
constexpr std::size_t kMaxColumns = 64;

std::size_t conntrack_field(std::string_view name) {
  for (std::size_t i = 0; i < kConntrackStatFields.size(); ++i) {
    if (kConntrackStatFields[i] == name) return i;
  }
  return kNoField;
}

}  // namespace

bool parse_hex_u64(std::string_view token, std::uint64_t& out) {
  const char* const end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, out, 16);
  return !token.empty() && ec == std::errc{} && ptr == end;
}

ConntrackStatTotals sum_conntrack_stat(std::string_view text) {
  ConntrackStatTotals out;
  std::array<std::size_t, kMaxColumns> field_at{};
  field_at.fill(kNoField);
  std::string_view header = procfs::next_line(text);
  std::size_t columns = 0;
  for (std::string_view name = procfs::next_token(header); !name.empty() && columns < kMaxColumns;
       name = procfs::next_token(header), ++columns) {
    const std::size_t field = conntrack_field(name);
    field_at[columns] = field;
    if (field != kNoField) out.present[field] = true;
  }
  if (columns == 0) {
    out.malformed = true;
    return out;
  }
  while (!text.empty()) {
    std::string_view line = procfs::next_line(text);
    if (procfs::trim(line).empty()) continue;
    for (std::size_t column = 0; column < columns; ++column) {
      const std::string_view token = procfs::next_token(line);
      const std::size_t field = field_at[column];
      if (field == kNoField) continue;
      std::uint64_t value = 0;
      if (!parse_hex_u64(token, value)) {
        out.malformed = true;
        return out;
      }
      out.sums[field] += value;
    }
  }
  return out;
}

UdpQueueTotals sum_udp_queues(std::string_view text) {
  UdpQueueTotals out;
  procfs::next_line(text);  // the header
  while (!text.empty()) {
    std::string_view line = procfs::next_line(text);
    if (procfs::trim(line).empty()) continue;
    const std::string_view queues = procfs::nth_token(line, 4);
    const std::size_t colon = queues.find(':');
    std::uint64_t tx = 0;
    std::uint64_t rx = 0;
    if (colon == std::string_view::npos || !parse_hex_u64(queues.substr(0, colon), tx) ||
        !parse_hex_u64(queues.substr(colon + 1), rx)) {
      out.malformed = true;
      return out;
    }
    out.tx += tx;
    out.rx += rx;
  }
  return out;
}

}  // namespace sysring::broker
