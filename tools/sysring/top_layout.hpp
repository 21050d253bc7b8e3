// `sysring top`'s screen: a TopModel and the terminal's size in, lines of text out, each with
// the runs of it that carry a colour. Pure, so widths, heights and bars are tested directly;
// top_frame turns the lines into bytes for a terminal or a pipe.
//
// Sections in order (also the order they give way when the height is short): the title and the
// broker's status, CPU bars, memory and swap, load and pressure, counters, disks, network. A
// section with a row per instance keeps its heading and as many rows as fit plus "+N more";
// one that cannot fit even that is left out. Every line is cut to the width.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "top_model.hpp"

namespace sysring::cli {

// What a run of text means; top_frame maps it to a colour.
enum class Tone : std::uint8_t {
  kPlain,
  kTitle,
  kHeading,
  kWarning,
  kUser,
  kNice,
  kSystem,
  kIrq,
  kSteal,
  kIowait,
  kMemory,
  kSwap,
};

struct ToneRun {
  std::size_t begin = 0, end = 0;  // byte offsets into the line's text
  Tone tone = Tone::kPlain;
};

// ASCII only (names from the segment are made so), so a byte is a column.
struct ScreenLine {
  std::string text;
  std::vector<ToneRun> runs;  // ascending, not overlapping

  void append(std::string_view more, Tone tone = Tone::kPlain);
  void pad_to(std::size_t column);  // spaces up to `column`
  void truncate(std::size_t columns);
};

struct ScreenSize {
  std::size_t columns = 80;
  std::size_t rows = SIZE_MAX;  // a pipe has no height
  bool cut = true;              // cut lines to `columns` (a pipe: meters sized to it, lines whole)
};

// What the layout shows besides the model.
struct TopStatus {
  std::string segment;
  std::uint32_t broker_pid = 0;
  std::uint64_t tick_ms = 0;
  std::string problem;           // empty while the broker is alive
  std::string counters_summary;  // the broker's one line about its counter backend
  bool keys = false;             // a terminal that takes keys: the title says how to quit
};

// One share of a bar and the glyph it is drawn with (distinct glyphs keep a bar readable
// without colour, as htop's monochrome mode does).
struct BarPart {
  double share = 0;  // 0..1 of the whole bar
  Tone tone = Tone::kPlain;
  char glyph = '|';
};

// Appends "[||||##    ]" of exactly `width` columns (at least 2): each part gets its share of
// the inner cells, rounded so that the parts never overflow and a bar of shares summing to 1 is
// full.
void append_bar(ScreenLine& line, std::size_t width, std::span<const BarPart> parts);

// The whole screen into `out`: at most size.rows lines, none wider than size.columns (when
// size.cut).
void layout_top(const TopModel& model, const TopStatus& status, ScreenSize size,
                std::vector<ScreenLine>& out);

// Text from the segment, safe and one column per byte: a control byte or a non-ASCII character
// as one '?' (dashes as '-').
[[nodiscard]] std::string screen_text(std::string_view text);

}  // namespace sysring::cli
