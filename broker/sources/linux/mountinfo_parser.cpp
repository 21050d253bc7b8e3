#include "sources/linux/mountinfo_parser.hpp"

#include <cstddef>

#include "sources/procfs_parsers.hpp"

namespace sysring::broker::linux_instances {
namespace {

bool is_octal_digit(char c) {
  return c >= '0' && c <= '7';
}

}  // namespace

bool parse_mount_line(std::string_view line, MountRecord& out) {
  using procfs::DecodeStatus;
  using procfs::next_token;
  const std::string_view mount_id = next_token(line);
  const std::string_view parent_id = next_token(line);
  const std::string_view device_number = next_token(line);
  out.root = next_token(line);
  out.mount_point = next_token(line);
  out.options = next_token(line);
  if (out.options.empty() || device_number.find(':') == std::string_view::npos) return false;
  if (procfs::parse_u64(mount_id, out.mount_id) != DecodeStatus::kOk ||
      procfs::parse_u64(parent_id, out.parent_id) != DecodeStatus::kOk) {
    return false;
  }
  // Optional fields up to the lone "-"; their number varies with the mount's propagation.
  for (std::string_view token = next_token(line); token != "-"; token = next_token(line)) {
    if (token.empty()) return false;
  }
  out.fstype = next_token(line);
  out.source = next_token(line);
  out.super_options = next_token(line);
  return !out.source.empty();
}

bool has_mount_option(std::string_view options, std::string_view option) {
  while (!options.empty()) {
    const std::size_t comma = options.find(',');
    if (options.substr(0, comma) == option) return true;
    if (comma == std::string_view::npos) break;
    options.remove_prefix(comma + 1);
  }
  return false;
}

bool mount_is_readonly(const MountRecord& mount) {
  return has_mount_option(mount.options, "ro") || has_mount_option(mount.super_options, "ro");
}

bool MountinfoReader::next(MountRecord& out) {
  while (!rest_.empty()) {
    if (parse_mount_line(procfs::next_line(rest_), out)) return true;
  }
  return false;
}

std::string_view decode_mount_escapes(std::string_view raw, std::span<char> out) {
  std::size_t used = 0;
  for (std::size_t i = 0; i < raw.size() && used < out.size(); ++i) {
    char c = raw[i];
    // "\ooo" with a first digit of at most 3: one byte (0377 at most).
    if (c == '\\' && i + 3 < raw.size() && raw[i + 1] >= '0' && raw[i + 1] <= '3' &&
        is_octal_digit(raw[i + 2]) && is_octal_digit(raw[i + 3])) {
      c = static_cast<char>((raw[i + 1] - '0') * 64 + (raw[i + 2] - '0') * 8 + (raw[i + 3] - '0'));
      i += 3;
    }
    out[used++] = c;
  }
  return {out.data(), used};
}

}  // namespace sysring::broker::linux_instances
