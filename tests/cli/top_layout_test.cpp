// layout_top and its bars: every line within the width, never more lines than rows, sections
// cut ("+N more") or left out in order when the height is short; and top_frame's bytes for a
// terminal (one repaint, colours only when asked) and for a pipe (no escapes at all).
#include "top_layout.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "top_frame.hpp"

namespace sysring::cli {
namespace {

std::string bar_text(std::size_t width, std::initializer_list<BarPart> parts) {
  ScreenLine line;
  append_bar(line, width, std::vector<BarPart>(parts));
  return line.text;
}

TopModel model_with(std::size_t cpus, std::size_t disks, std::size_t nets) {
  TopModel m;
  for (std::size_t i = 0; i < cpus; ++i) {
    CpuUsage u;
    u.name = "cpu" + std::to_string(i);
    u.valid = true;
    u.user = 0.25;
    u.system = 0.25;
    m.cpus.push_back(u);
  }
  m.memory = {16ULL << 30, 4ULL << 30, 2ULL << 30, 1ULL << 30};
  m.load = {0.5, 0.25, 0.125, 2, 150};
  m.pressure = {1.0, 0.0, 0.0, 0.5, 0.1};
  for (std::size_t i = 0; i < disks; ++i) {
    DiskRates d;
    d.name = "vd" + std::string(1, static_cast<char>('a' + i));
    d.valid = true;
    d.read_bytes_per_s = 1024;
    d.utilisation = 0.5;
    m.disks.push_back(d);
  }
  for (std::size_t i = 0; i < nets; ++i) {
    NetRates n;
    n.name = "eth" + std::to_string(i);
    n.valid = true;
    n.rx_bytes_per_s = 2048;
    m.nets.push_back(n);
  }
  return m;
}

TopStatus status() {
  TopStatus s;
  s.segment = "/sysring";
  s.broker_pid = 42;
  s.tick_ms = 1000;
  s.counters_summary = "perf_event: software events only";
  return s;
}

std::vector<ScreenLine> layout(const TopModel& m, const TopStatus& s, ScreenSize size) {
  std::vector<ScreenLine> lines;
  layout_top(m, s, size, lines);
  return lines;
}

bool has_line_starting(const std::vector<ScreenLine>& lines, std::string_view prefix) {
  return std::any_of(lines.begin(), lines.end(),
                     [&](const ScreenLine& l) { return l.text.starts_with(prefix); });
}

TEST(TopBar, FillsItsShareOfTheInnerCells) {
  EXPECT_EQ(bar_text(12, {{0.5, Tone::kUser, '|'}}), "[|||||     ]");
  EXPECT_EQ(bar_text(12, {}), "[          ]");
  EXPECT_EQ(bar_text(12, {{0.2, Tone::kUser, '|'}, {0.3, Tone::kSystem, '#'}}), "[||###     ]");
}

TEST(TopBar, SharesSummingToOneFillItExactly) {
  const std::string bar = bar_text(
      12, {{1.0 / 3, Tone::kUser, '|'}, {1.0 / 3, Tone::kSystem, '#'}, {1.0 / 3, Tone::kIrq, '*'}});
  EXPECT_EQ(bar.size(), 12U);
  EXPECT_EQ(bar.find(' '), std::string::npos) << bar;
  EXPECT_EQ(std::count(bar.begin(), bar.end(), '|') + std::count(bar.begin(), bar.end(), '#') +
                std::count(bar.begin(), bar.end(), '*'),
            10);
}

TEST(TopBar, NeverOverflowsOrUnderflows) {
  EXPECT_EQ(bar_text(12, {{0.8, Tone::kUser, '|'}, {0.8, Tone::kSystem, '#'}}), "[||||||||##]");
  EXPECT_EQ(bar_text(12, {{-1.0, Tone::kUser, '|'}}), "[          ]");
  EXPECT_EQ(bar_text(0, {{1.0, Tone::kUser, '|'}}), "[]");
}

TEST(TopBar, EachPartCarriesItsTone) {
  ScreenLine line;
  const BarPart parts[] = {{0.2, Tone::kUser, '|'}, {0.3, Tone::kSystem, '#'}};
  append_bar(line, 12, parts);
  ASSERT_EQ(line.runs.size(), 2U);
  EXPECT_EQ(line.runs[0].tone, Tone::kUser);
  EXPECT_EQ(line.text.substr(line.runs[0].begin, line.runs[0].end - line.runs[0].begin), "||");
  EXPECT_EQ(line.runs[1].tone, Tone::kSystem);
  EXPECT_EQ(line.text.substr(line.runs[1].begin, line.runs[1].end - line.runs[1].begin), "###");
}

TEST(TopLayout, ShowsEverySectionWhenThereIsRoom) {
  const auto lines = layout(model_with(2, 1, 2), status(), {100, 50});
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(lines[0].text.starts_with("sysring top  /sysring  broker pid 42")) << lines[0].text;
  EXPECT_TRUE(has_line_starting(lines, "cpu0 ["));
  EXPECT_TRUE(has_line_starting(lines, "cpu1 ["));
  EXPECT_TRUE(has_line_starting(lines, "Mem  ["));
  EXPECT_TRUE(has_line_starting(lines, "Swp  ["));
  EXPECT_TRUE(has_line_starting(lines, "Load average: 0.50 0.25 0.12   Tasks: 150, 2 running"));
  EXPECT_TRUE(has_line_starting(lines, "Pressure avg10: cpu 1.0%"));
  EXPECT_TRUE(has_line_starting(lines, "Counters: none per CPU: perf_event: software"));
  EXPECT_TRUE(has_line_starting(lines, "DISK"));
  EXPECT_TRUE(has_line_starting(lines, "vda"));
  EXPECT_TRUE(has_line_starting(lines, "NETIF"));
  EXPECT_TRUE(has_line_starting(lines, "eth1"));
  // 50 % busy over a 100-column line: the meter ends with its label.
  EXPECT_NE(lines[1].text.find("]  50.0%"), std::string::npos) << lines[1].text;
  EXPECT_NE(lines[3].text.find("12.0 GiB/16.0 GiB"), std::string::npos) << lines[3].text;
}

TEST(TopLayout, NoLineWiderThanTheTerminal) {
  const TopModel m = model_with(3, 2, 2);
  for (std::size_t columns : {1U, 10U, 20U, 39U, 80U, 132U, 300U}) {
    const auto lines = layout(m, status(), {columns, 60});
    for (const ScreenLine& l : lines) {
      EXPECT_LE(l.text.size(), columns) << l.text;
      for (const ToneRun& r : l.runs) EXPECT_LE(r.end, l.text.size());
    }
  }
}

TEST(TopLayout, MetersUseTheWholeWidth) {
  const auto lines = layout(model_with(1, 0, 0), status(), {120, 50});
  EXPECT_EQ(lines[1].text.size(), 120U) << lines[1].text;  // cpu0 meter
  EXPECT_EQ(lines[2].text.size(), 120U) << lines[2].text;  // Mem meter
}

TEST(TopLayout, NeverMoreLinesThanRows) {
  const TopModel m = model_with(16, 4, 4);
  for (std::size_t rows = 1; rows < 40; ++rows) {
    EXPECT_LE(layout(m, status(), {80, rows}).size(), rows) << rows;
  }
}

TEST(TopLayout, ShortTerminalCutsCpusAndDropsWhatDoesNotFit) {
  // Title, 3 CPU rows, "+13 more CPUs", nothing else.
  const auto lines = layout(model_with(16, 1, 1), status(), {60, 5});
  ASSERT_EQ(lines.size(), 5U);
  EXPECT_TRUE(lines[1].text.starts_with("cpu0 "));
  EXPECT_TRUE(lines[3].text.starts_with("cpu2 "));
  EXPECT_EQ(lines[4].text, "+13 more CPUs");
}

TEST(TopLayout, ASectionThatDoesNotFitIsLeftOutAndALaterOneMayStillFit) {
  // Title, 2 CPUs, Mem, Swp, load, pressure, counters = 8 rows; 3 disks need 4 (heading, one
  // row, "+2 more", at least) but only 2 rows are left: the disks go, the 2-row network fits.
  TopModel m = model_with(2, 3, 1);
  const auto lines = layout(m, status(), {100, 10});
  EXPECT_FALSE(has_line_starting(lines, "DISK"));
  EXPECT_TRUE(has_line_starting(lines, "NETIF"));
  EXPECT_TRUE(has_line_starting(lines, "eth0"));
  EXPECT_EQ(lines.size(), 10U);
}

TEST(TopLayout, ManyCpusGoSideBySideOnAWideTerminal) {
  const auto lines = layout(model_with(16, 0, 0), status(), {160, 60});
  // Two columns of 8: cpu0 and cpu8 share the first row.
  EXPECT_TRUE(lines[1].text.starts_with("cpu0 ")) << lines[1].text;
  EXPECT_NE(lines[1].text.find("cpu8 "), std::string::npos) << lines[1].text;
  EXPECT_TRUE(lines[8].text.starts_with("cpu7 ")) << lines[8].text;
  EXPECT_TRUE(lines[9].text.starts_with("Mem")) << lines[9].text;
}

TEST(TopLayout, WideRateCellsStayApart) {
  TopModel m = model_with(0, 1, 0);
  m.disks[0].read_bytes_per_s = 1020.4 * 1024 * 1024;
  m.disks[0].write_bytes_per_s = 1020.4 * 1024 * 1024;
  const auto lines = layout(m, status(), {100, 30});
  const auto disk = std::find_if(lines.begin(), lines.end(),
                                 [](const ScreenLine& l) { return l.text.starts_with("vda"); });
  ASSERT_NE(disk, lines.end());
  EXPECT_NE(disk->text.find(" 1020.4 MiB/s 1020.4 MiB/s "), std::string::npos) << disk->text;
}

TEST(TopLayout, BrokerProblemIsShownUnderTheTitle) {
  TopStatus s = status();
  s.problem = "broker is stale: no heartbeat for 3.2 s";
  const auto lines = layout(model_with(1, 0, 0), s, {80, 30});
  ASSERT_GE(lines.size(), 2U);
  EXPECT_EQ(lines[1].text, s.problem);
  ASSERT_EQ(lines[1].runs.size(), 1U);
  EXPECT_EQ(lines[1].runs[0].tone, Tone::kWarning);
}

TEST(TopLayout, CountersPerCpuWithIpcAndRates) {
  TopModel m = model_with(1, 0, 0);
  CpuCounterRates c;
  c.name = "cpu0";
  c.ipc = 1.25;
  CounterChange cycles;
  cycles.event = "cycles";
  cycles.valid = true;
  cycles.per_second = 2.5e9;
  CounterChange switches;
  switches.event = "context_switches";
  switches.valid = true;
  switches.per_second = 1500;
  CounterChange clock;  // wall time on a CPU counted system-wide: not shown
  clock.event = "task_clock";
  clock.valid = true;
  clock.per_second = 1e9;
  c.changes = {switches, clock, cycles};
  m.counters.push_back(c);
  const auto lines = layout(m, status(), {200, 30});
  EXPECT_TRUE(has_line_starting(lines, "Counters: perf_event: software events only"));
  // IPC first, then cycles before context switches, whatever order the broker had.
  const auto cpu0 = std::find_if(lines.begin(), lines.end(), [](const ScreenLine& l) {
    return l.text.starts_with("cpu0  IPC");
  });
  ASSERT_NE(cpu0, lines.end());
  EXPECT_EQ(cpu0->text, "cpu0  IPC 1.25  cycles 2.50G/s  context_switches 1.50k/s");
}

TEST(TopLayout, InvalidRatesShowAsDashes) {
  TopModel m = model_with(1, 1, 0);
  m.cpus[0].valid = false;
  m.disks[0].valid = false;
  const auto lines = layout(m, status(), {80, 30});
  EXPECT_TRUE(lines[1].text.ends_with("]      -")) << lines[1].text;
  EXPECT_EQ(lines[1].text.find('|'), std::string::npos);
  const auto disk = std::find_if(lines.begin(), lines.end(),
                                 [](const ScreenLine& l) { return l.text.starts_with("vda"); });
  ASSERT_NE(disk, lines.end());
  EXPECT_EQ(std::count(disk->text.begin(), disk->text.end(), '-'), 5);
}

TEST(TopLayout, NamesFromTheSegmentCannotCarryEscapes) {
  TopModel m = model_with(0, 0, 1);
  m.nets[0].name = "ev\x1b[2Jil\xc3\xa9";
  const auto lines = layout(m, status(), {80, 30});
  EXPECT_TRUE(has_line_starting(lines, "ev?[2Jil? ")) << lines.back().text;
  EXPECT_EQ(screen_text("a \xe2\x80\x94 b"), "a - b");
}

TEST(TopLayout, PlainLayoutKeepsLongLinesWhole) {
  TopModel m = model_with(1, 0, 0);
  TopStatus s = status();
  s.counters_summary = std::string(150, 'x');
  const auto lines = layout(m, s, {80, SIZE_MAX, false});
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                          [](const ScreenLine& l) { return l.text.size() > 150; }));
}

TEST(TopLine, TruncateClipsRuns) {
  ScreenLine line;
  line.append("abc", Tone::kTitle);
  line.append("def", Tone::kUser);
  line.append("ghi", Tone::kSystem);
  line.truncate(4);
  EXPECT_EQ(line.text, "abcd");
  ASSERT_EQ(line.runs.size(), 2U);
  EXPECT_EQ(line.runs[1].end, 4U);
}

TEST(TopFrame, TerminalFrameRepaintsInPlace) {
  const auto lines = layout(model_with(2, 1, 1), status(), {80, 24});
  std::string frame;
  render_screen(lines, false, frame);
  EXPECT_TRUE(frame.starts_with("\x1b[H"));
  EXPECT_TRUE(frame.ends_with("\x1b[K\x1b[J"));  // no newline after the last row: no scroll
  std::size_t erases = 0;
  for (std::size_t at = frame.find("\x1b[K"); at != std::string::npos;
       at = frame.find("\x1b[K", at + 1)) {
    ++erases;
  }
  EXPECT_EQ(erases, lines.size());
  EXPECT_EQ(frame.find("\x1b[3"), std::string::npos);  // no colour asked
  std::size_t row_breaks = 0;
  for (std::size_t at = frame.find("\r\n"); at != std::string::npos;
       at = frame.find("\r\n", at + 1)) {
    ++row_breaks;
  }
  EXPECT_EQ(row_breaks + 1, lines.size());
}

TEST(TopFrame, ColoursWrapTheirRunsAndReset) {
  ScreenLine line;
  line.append("cpu0 ");
  line.append("||", Tone::kUser);
  line.append("  ");
  std::string frame;
  render_screen(std::vector<ScreenLine>{line}, true, frame);
  EXPECT_NE(frame.find("cpu0 \x1b[32m||\x1b[0m  \x1b[K"), std::string::npos);
}

TEST(TopFrame, PlainBlockHasNoEscapes) {
  const auto lines = layout(model_with(2, 1, 1), status(), {80, SIZE_MAX, false});
  std::string block;
  render_plain(lines, block);
  EXPECT_EQ(block.find('\x1b'), std::string::npos);
  EXPECT_EQ(static_cast<std::size_t>(std::count(block.begin(), block.end(), '\n')),
            lines.size() + 1);
  EXPECT_TRUE(block.ends_with("\n\n"));
}

}  // namespace
}  // namespace sysring::cli
