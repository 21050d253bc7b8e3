#include "softnet_parser.hpp"

#include <charconv>

#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {
namespace {

bool parse_hex(std::string_view token, std::uint64_t& out) {
  const char* const end = token.data() + token.size();
  const auto [ptr, ec] = std::from_chars(token.data(), end, out, 16);
  return !token.empty() && ec == std::errc{} && ptr == end;
}

}  // namespace

bool SoftnetLineReader::next(SoftnetLine& out) {
  while (!rest_.empty()) {
    std::string_view line = procfs::next_line(rest_);
    if (procfs::trim(line).empty()) continue;
    const std::size_t position = position_++;
    std::size_t count = 0;
    bool good = true;
    out.numbered = false;
    for (std::string_view token = procfs::next_token(line); !token.empty() && good;
         token = procfs::next_token(line), ++count) {
      std::uint64_t value = 0;
      good = parse_hex(token, value);
      if (count < kSoftnetFields) out.fields[count] = value;
      if (count == kSoftnetCpuField) {
        out.cpu = value;
        out.numbered = true;
      }
    }
    if (!good || count < kSoftnetFields) continue;
    if (!out.numbered) out.cpu = position < online_.size() ? online_[position] : position;
    return true;
  }
  return false;
}

bool cpu_list_members(std::string_view text, std::vector<std::uint32_t>& out) {
  out.clear();
  text = procfs::trim(text);
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text.remove_prefix(comma == std::string_view::npos ? text.size() : comma + 1);
    const std::size_t dash = item.find('-');
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    bool good = procfs::parse_u64(item.substr(0, dash), first) == procfs::DecodeStatus::kOk;
    last = first;
    if (good && dash != std::string_view::npos)
      good = procfs::parse_u64(item.substr(dash + 1), last) == procfs::DecodeStatus::kOk;
    // CPU numbers are below 2^16 on any machine; a larger range is a bad file, not a big one.
    if (!good || last < first || last > UINT16_MAX) {
      out.clear();
      return false;
    }
    for (std::uint64_t cpu = first; cpu <= last; ++cpu)
      out.push_back(static_cast<std::uint32_t>(cpu));
  }
  return true;
}

}  // namespace sysring::broker::linux_instances
