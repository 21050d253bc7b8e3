#include "top_frame.hpp"

namespace sysring::cli {
namespace {

constexpr std::string_view kReset = "\x1b[0m";

std::string_view sgr(Tone tone) {
  switch (tone) {
    case Tone::kPlain:
      return kReset;
    case Tone::kTitle:
      return "\x1b[1m";
    case Tone::kHeading:
      return "\x1b[36m";
    case Tone::kWarning:
      return "\x1b[1;31m";
    case Tone::kUser:
    case Tone::kMemory:
      return "\x1b[32m";
    case Tone::kNice:
      return "\x1b[34m";
    case Tone::kSystem:
    case Tone::kSwap:
      return "\x1b[31m";
    case Tone::kIrq:
      return "\x1b[35m";
    case Tone::kSteal:
      return "\x1b[33m";
    case Tone::kIowait:
      return "\x1b[90m";
  }
  return kReset;
}

}  // namespace

void render_screen(std::span<const ScreenLine> lines, bool colour, std::string& out) {
  out.assign("\x1b[H");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const ScreenLine& line = lines[i];
    if (!colour || line.runs.empty()) {
      out += line.text;
    } else {
      std::size_t at = 0;
      for (const ToneRun& run : line.runs) {
        out.append(line.text, at, run.begin - at);
        out += sgr(run.tone);
        out.append(line.text, run.begin, run.end - run.begin);
        out += kReset;
        at = run.end;
      }
      out.append(line.text, at);
    }
    out += "\x1b[K";  // the rest of the row: what a longer line of the last frame left there
    if (i + 1 < lines.size()) out += "\r\n";
  }
  out += "\x1b[J";  // rows below the last line
}

void render_plain(std::span<const ScreenLine> lines, std::string& out) {
  out.clear();
  for (const ScreenLine& line : lines) {
    out += line.text;
    out += '\n';
  }
  out += '\n';
}

}  // namespace sysring::cli
