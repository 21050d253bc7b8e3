#include "os_release_parser.hpp"

#include <algorithm>

#include "sources/procfs_parsers.hpp"

namespace sysring::broker {

std::string unquote_shell_value(std::string_view raw) {
  raw = procfs::trim(raw);
  std::string out;
  char quote = 0;  // the open quote, or 0
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (quote == '\'') {
      if (c == '\'') {
        quote = 0;
      } else {
        out += c;
      }
    } else if (c == '\\' && i + 1 < raw.size()) {
      const char next = raw[i + 1];
      const bool escapes = quote == 0 || next == '"' || next == '\\' || next == '$' || next == '`';
      if (!escapes) out += c;
      out += next;
      ++i;
    } else if (quote == '"' && c == '"') {
      quote = 0;
    } else if (quote == 0 && (c == '"' || c == '\'')) {
      quote = c;
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<OsReleaseEntry> parse_os_release(std::string_view text) {
  std::vector<OsReleaseEntry> out;
  while (!text.empty()) {
    const std::string_view line = procfs::trim(procfs::next_line(text));
    if (line.empty() || line.front() == '#') continue;
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = procfs::trim(line.substr(0, eq));
    if (key.empty()) continue;
    std::string value = unquote_shell_value(line.substr(eq + 1));
    const auto same =
        std::find_if(out.begin(), out.end(), [&](const OsReleaseEntry& e) { return e.key == key; });
    if (same != out.end()) {
      same->value = std::move(value);
    } else {
      out.push_back({std::string(key), std::move(value)});
    }
  }
  return out;
}

}  // namespace sysring::broker
