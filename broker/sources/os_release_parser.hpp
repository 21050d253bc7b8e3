// os-release(5): "KEY=value" lines with shell-style quoting. Pure: text in, entries out.
//
//   PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"   -> {"PRETTY_NAME", "Debian GNU/Linux 12
//   (bookworm)"} VERSION_CODENAME=bookworm                      -> {"VERSION_CODENAME", "bookworm"}
//   NAME='Fedora \ Linux'                          -> single quotes keep backslashes
//   NAME="A \"quoted\" \$name"                     -> {"NAME", "A \"quoted\" $name"}
// Quotes are removed where they match; inside double quotes a backslash escapes ", \, $ and `
// (others stay as written); outside quotes it escapes any character. Blank lines, comments and
// lines without '=' are skipped; a later line for a key wins.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sysring::broker {

struct OsReleaseEntry {
  std::string key;
  std::string value;
};

std::vector<OsReleaseEntry> parse_os_release(std::string_view text);

// The value part of one assignment, unquoted and unescaped.
std::string unquote_shell_value(std::string_view raw);

}  // namespace sysring::broker
