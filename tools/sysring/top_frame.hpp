// Turns `sysring top`'s lines into the bytes of one frame: for a terminal, one buffer that
// repaints the screen in place (home, each line, erase the rest; colours as SGR escapes when
// wanted); for a pipe, the plain lines as one block.
#pragma once

#include <span>
#include <string>

#include "top_layout.hpp"

namespace sysring::cli {

inline constexpr std::string_view kEnterScreen = "\x1b[?1049h\x1b[?25l\x1b[H\x1b[2J";
// Also resets colours, so nothing leaks into the shell's prompt.
inline constexpr std::string_view kLeaveScreen = "\x1b[0m\x1b[?25h\x1b[?1049l";

// Replaces `out` with a repaint of the whole screen. No newline after the last line, so a
// screen of exactly `rows` lines does not scroll.
void render_screen(std::span<const ScreenLine> lines, bool colour, std::string& out);

// Replaces `out` with the lines, each ending in '\n', and an empty line closing the block.
void render_plain(std::span<const ScreenLine> lines, std::string& out);

}  // namespace sysring::cli
