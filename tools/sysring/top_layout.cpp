#include "top_layout.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "format.hpp"
#include "pmc_report.hpp"

namespace sysring::cli {
namespace {

constexpr std::size_t kMinBarWidth = 12;
constexpr std::size_t kCpuColumnWidth = 40;  // one CPU meter when CPUs go side by side
constexpr std::size_t kMaxCpuColumns = 4;
constexpr std::size_t kCpusBeforeColumns = 8;
constexpr std::size_t kRateWidth = 12;

std::string fixed(double value, int decimals) {
  char buf[48];
  (void)std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string right(std::string_view text, std::size_t width) {
  std::string out;
  if (text.size() < width) out.assign(width - text.size(), ' ');
  out += text;
  return out;
}

std::string bytes_per_s(double value) {
  return humanise_bytes(value) + "/s";
}

// Lines of one section: `head` always shown, `rows` (a row per instance) cut with "+N more".
struct Section {
  std::vector<ScreenLine> head;
  std::vector<ScreenLine> rows;
  bool cuttable = false;
  std::string more_noun;  // "CPUs", "disks": what "+N more" counts
};

ScreenLine line_of(std::string_view text, Tone tone = Tone::kPlain) {
  ScreenLine line;
  line.append(text, tone);
  return line;
}

// "cpu0 [|||||    ]  23.4%" in `width` columns.
void append_cpu_meter(ScreenLine& line, const CpuUsage& cpu, std::size_t name_width,
                      std::size_t width) {
  const std::size_t start = line.text.size();
  line.append(screen_text(cpu.name), Tone::kHeading);
  line.pad_to(start + name_width + 1);
  const std::string label = cpu.valid ? fixed(cpu.busy() * 100.0, 1) + "%" : "-";
  const std::size_t used = name_width + 1 + 7;
  const std::size_t bar = width > used + kMinBarWidth ? width - used : kMinBarWidth;
  if (cpu.valid) {
    const BarPart parts[] = {{cpu.nice, Tone::kNice, '+'},     {cpu.user, Tone::kUser, '|'},
                             {cpu.system, Tone::kSystem, '#'}, {cpu.irq, Tone::kIrq, '*'},
                             {cpu.softirq, Tone::kIrq, '*'},   {cpu.steal, Tone::kSteal, '!'},
                             {cpu.iowait, Tone::kIowait, '.'}};
    append_bar(line, bar, parts);
  } else {
    append_bar(line, bar, {});
  }
  line.append(right(label, 7));
}

Section cpu_section(const TopModel& model, std::size_t columns) {
  Section s;
  s.cuttable = true;
  s.more_noun = "CPUs";
  const std::size_t n = model.cpus.size();
  if (n == 0) {
    s.head.push_back(line_of("CPU: no per-CPU times published", Tone::kWarning));
    s.cuttable = false;
    return s;
  }
  std::size_t name_width = 3;
  for (const CpuUsage& cpu : model.cpus) name_width = std::max(name_width, cpu.name.size());
  std::size_t per_row = 1;
  if (n > kCpusBeforeColumns && columns >= 2 * kCpuColumnWidth) {
    per_row = std::min({columns / kCpuColumnWidth, kMaxCpuColumns,
                        (n + kCpusBeforeColumns - 1) / kCpusBeforeColumns});
  }
  const std::size_t rows = (n + per_row - 1) / per_row;
  const std::size_t cell = columns / per_row;
  for (std::size_t r = 0; r < rows; ++r) {
    ScreenLine line;
    for (std::size_t c = 0; c < per_row; ++c) {
      const std::size_t i = c * rows + r;  // column-major: cpu0.. down the first column
      if (i >= n) break;
      line.pad_to(c * cell);
      append_cpu_meter(line, model.cpus[i], name_width, per_row == 1 ? columns : cell - 1);
    }
    s.rows.push_back(std::move(line));
  }
  return s;
}

std::string used_of(std::uint64_t used, std::uint64_t total) {
  return humanise_bytes(static_cast<double>(used)) + "/" +
         humanise_bytes(static_cast<double>(total));
}

Section memory_section(const TopModel& model, std::size_t columns) {
  Section s;
  const MemorySample& m = model.memory;
  const bool have_mem = m.total && m.available && *m.total > 0;
  const bool have_swap = m.swap_total && m.swap_free;
  const std::uint64_t mem_used = have_mem ? *m.total - std::min(*m.available, *m.total) : 0;
  const std::uint64_t swap_used =
      have_swap ? *m.swap_total - std::min(*m.swap_free, *m.swap_total) : 0;
  const std::string mem_label = have_mem ? used_of(mem_used, *m.total) : "not published";
  const std::string swap_label = !have_swap           ? "not published"
                                 : *m.swap_total == 0 ? "no swap"
                                                      : used_of(swap_used, *m.swap_total);
  const std::size_t label = std::max(mem_label.size(), swap_label.size());
  const std::size_t used = 5 + 1 + label;
  const std::size_t bar = columns > used + kMinBarWidth ? columns - used : kMinBarWidth;
  const auto meter = [&](const char* name, bool have, std::uint64_t part, std::uint64_t whole,
                         Tone tone, const std::string& text) {
    ScreenLine line;
    line.append(name, Tone::kHeading);
    line.pad_to(5);
    const BarPart parts[] = {
        {whole > 0 ? static_cast<double>(part) / static_cast<double>(whole) : 0.0, tone, '|'}};
    append_bar(line, bar, have ? std::span<const BarPart>(parts) : std::span<const BarPart>());
    line.append(" " + right(text, label));
    return line;
  };
  s.head.push_back(
      meter("Mem", have_mem, mem_used, have_mem ? *m.total : 0, Tone::kMemory, mem_label));
  s.head.push_back(
      meter("Swp", have_swap, swap_used, have_swap ? *m.swap_total : 0, Tone::kSwap, swap_label));
  return s;
}

Section load_section(const TopModel& model) {
  Section s;
  const LoadSample& l = model.load;
  ScreenLine line;
  line.append("Load average:", Tone::kHeading);
  const auto avg = [](const std::optional<double>& v) { return v ? fixed(*v, 2) : "-"; };
  line.append(" " + avg(l.avg1) + " " + avg(l.avg5) + " " + avg(l.avg15));
  if (l.tasks) {
    line.append("   Tasks:", Tone::kHeading);
    line.append(" " + std::to_string(*l.tasks));
    if (l.runnable) line.append(", " + std::to_string(*l.runnable) + " running");
  }
  s.head.push_back(std::move(line));
  const PressureSample& p = model.pressure;
  if (p.cpu_some || p.memory_some || p.io_some) {
    ScreenLine psi;
    psi.append("Pressure avg10:", Tone::kHeading);
    const auto share = [](const std::optional<double>& v) { return v ? fixed(*v, 1) + "%" : "-"; };
    psi.append(" cpu " + share(p.cpu_some));
    psi.append("  memory " + share(p.memory_some) + " full " + share(p.memory_full));
    psi.append("  io " + share(p.io_some) + " full " + share(p.io_full));
    s.head.push_back(std::move(psi));
  }
  return s;
}

// Events people look at first; any other follows in the broker's order.
int event_rank(const std::string& event) {
  static constexpr const char* kOrder[] = {
      "cycles",         "instructions", "cache_misses", "branch_misses",    "context_switches",
      "cpu_migrations", "page_faults",  "major_faults", "cache_references", "branches"};
  for (std::size_t i = 0; i < std::size(kOrder); ++i) {
    if (event == kOrder[i]) return static_cast<int>(i);
  }
  return static_cast<int>(std::size(kOrder));
}

std::string counter_item(const CounterChange& c) {
  return c.event + " " + format_rate(c.per_second) + "/s";
}

// cpu_clock and task_clock of a CPU counted system-wide both advance with wall time, idle or
// not (always 100 % here), and minor faults are page faults less the few major ones.
bool says_something(const std::string& event) {
  return event != "cpu_clock" && event != "task_clock" && event != "minor_faults";
}

Section counter_section(const TopModel& model, const TopStatus& status) {
  Section s;
  const std::string summary =
      status.counters_summary.empty() ? "this broker counts nothing" : status.counters_summary;
  if (model.counters.empty()) {
    ScreenLine line;
    line.append("Counters:", Tone::kHeading);
    line.append(" none per CPU: " + screen_text(summary));
    s.head.push_back(std::move(line));
    return s;
  }
  s.cuttable = true;
  s.more_noun = "CPUs";
  ScreenLine heading;
  heading.append("Counters:", Tone::kHeading);
  heading.append(" " + screen_text(summary));
  s.head.push_back(std::move(heading));
  std::vector<const CounterChange*> order;
  for (const CpuCounterRates& cpu : model.counters) {
    ScreenLine line;
    line.append(screen_text(cpu.name), Tone::kHeading);
    if (cpu.ipc) line.append("  IPC " + fixed(*cpu.ipc, 2));
    order.clear();
    for (const CounterChange& c : cpu.changes) {
      if (says_something(c.event)) order.push_back(&c);
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const CounterChange* a, const CounterChange* b) {
                       return event_rank(a->event) < event_rank(b->event);
                     });
    for (const CounterChange* c : order) line.append("  " + screen_text(counter_item(*c)));
    if (!cpu.ipc && order.empty()) line.append("  -");
    s.rows.push_back(std::move(line));
  }
  return s;
}

std::size_t name_column(std::size_t longest) {
  return std::max<std::size_t>(longest, 6) + 1;
}

template <typename Rates>
std::size_t longest_name(const std::vector<Rates>& rates) {
  std::size_t n = 0;
  for (const Rates& r : rates) n = std::max(n, r.name.size());
  return n;
}

void table_row(ScreenLine& line, std::size_t name_width, std::string_view name, Tone name_tone,
               std::initializer_list<std::string> cells, Tone cell_tone = Tone::kPlain) {
  line.append(name, name_tone);
  line.pad_to(name_width);
  for (const std::string& cell : cells) {
    line.append(" ");  // apart even when a cell is wider than its column ("1020.4 MiB/s")
    line.append(right(cell, kRateWidth - 1), cell_tone);
  }
}

Section disk_section(const TopModel& model) {
  Section s;
  s.cuttable = true;
  s.more_noun = "disks";
  const std::size_t w = name_column(longest_name(model.disks));
  ScreenLine heading;
  table_row(heading, w, "DISK", Tone::kHeading, {"READ/s", "WRITE/s", "R-IOPS", "W-IOPS", "UTIL"},
            Tone::kHeading);
  s.head.push_back(std::move(heading));
  if (model.disks.empty()) s.head.push_back(line_of("(no disks published)"));
  for (const DiskRates& d : model.disks) {
    ScreenLine line;
    if (d.valid) {
      table_row(line, w, screen_text(d.name), Tone::kPlain,
                {bytes_per_s(d.read_bytes_per_s), bytes_per_s(d.write_bytes_per_s),
                 fixed(d.reads_per_s, 1), fixed(d.writes_per_s, 1),
                 d.utilisation ? fixed(*d.utilisation * 100.0, 1) + "%" : "-"});
    } else {
      table_row(line, w, screen_text(d.name), Tone::kPlain, {"-", "-", "-", "-", "-"});
    }
    s.rows.push_back(std::move(line));
  }
  return s;
}

Section net_section(const TopModel& model) {
  Section s;
  s.cuttable = true;
  s.more_noun = "interfaces";
  const std::size_t w = name_column(longest_name(model.nets));
  ScreenLine heading;
  table_row(heading, w, "NETIF", Tone::kHeading, {"RX/s", "TX/s", "RX-PKT/s", "TX-PKT/s"},
            Tone::kHeading);
  s.head.push_back(std::move(heading));
  if (model.nets.empty()) s.head.push_back(line_of("(no interfaces published)"));
  for (const NetRates& n : model.nets) {
    ScreenLine line;
    if (n.valid) {
      table_row(line, w, screen_text(n.name), Tone::kPlain,
                {bytes_per_s(n.rx_bytes_per_s), bytes_per_s(n.tx_bytes_per_s),
                 fixed(n.rx_packets_per_s, 1), fixed(n.tx_packets_per_s, 1)});
    } else {
      table_row(line, w, screen_text(n.name), Tone::kPlain, {"-", "-", "-", "-"});
    }
    s.rows.push_back(std::move(line));
  }
  return s;
}

Section title_section(const TopModel& model, const TopStatus& status) {
  Section s;
  std::string title = "sysring top  " + screen_text(status.segment) + "  broker pid " +
                      std::to_string(status.broker_pid) + "  tick " +
                      std::to_string(status.tick_ms) + " ms  " + std::to_string(model.cpus.size()) +
                      " CPUs";
  if (status.keys) title += "  (q quits)";
  s.head.push_back(line_of(title, Tone::kTitle));
  if (!status.problem.empty())
    s.head.push_back(line_of(screen_text(status.problem), Tone::kWarning));
  return s;
}

// Moves as much of `section` into `out` as `rows` allows; returns the rows used.
std::size_t place(Section& section, std::size_t rows, std::vector<ScreenLine>& out) {
  const std::size_t full = section.head.size() + section.rows.size();
  std::size_t shown_rows = section.rows.size();
  if (full > rows) {
    // Cut: the head, at least one row, and the "+N more" line.
    if (!section.cuttable || rows < section.head.size() + 2) return 0;
    shown_rows = rows - section.head.size() - 1;
  }
  for (ScreenLine& line : section.head) out.push_back(std::move(line));
  for (std::size_t i = 0; i < shown_rows; ++i) out.push_back(std::move(section.rows[i]));
  if (shown_rows < section.rows.size()) {
    out.push_back(line_of("+" + std::to_string(section.rows.size() - shown_rows) + " more " +
                          section.more_noun));
  }
  return section.head.size() + shown_rows + (shown_rows < section.rows.size() ? 1 : 0);
}

}  // namespace

void ScreenLine::append(std::string_view more, Tone tone) {
  if (more.empty()) return;
  const std::size_t begin = text.size();
  text += more;
  if (tone == Tone::kPlain) return;
  if (!runs.empty() && runs.back().tone == tone && runs.back().end == begin) {
    runs.back().end = text.size();
  } else {
    runs.push_back({begin, text.size(), tone});
  }
}

void ScreenLine::pad_to(std::size_t column) {
  if (text.size() < column) text.append(column - text.size(), ' ');
}

void ScreenLine::truncate(std::size_t columns) {
  if (text.size() <= columns) return;
  text.resize(columns);
  while (!runs.empty() && runs.back().begin >= columns) runs.pop_back();
  if (!runs.empty()) runs.back().end = std::min(runs.back().end, columns);
}

void append_bar(ScreenLine& line, std::size_t width, std::span<const BarPart> parts) {
  width = std::max<std::size_t>(width, 2);
  const std::size_t inner = width - 2;
  line.append("[");
  double cumulative = 0;
  std::size_t filled = 0;
  for (const BarPart& part : parts) {
    cumulative += std::clamp(part.share, 0.0, 1.0);
    // Rounding the running total, not each part, keeps the sum exact and never past `inner`.
    const auto end = static_cast<std::size_t>(
        std::lround(std::min(cumulative, 1.0) * static_cast<double>(inner)));
    if (end > filled) line.append(std::string(end - filled, part.glyph), part.tone);
    filled = std::max(filled, end);
  }
  line.append(std::string(inner - filled, ' '));
  line.append("]");
}

void layout_top(const TopModel& model, const TopStatus& status, ScreenSize size,
                std::vector<ScreenLine>& out) {
  const std::size_t columns = std::max<std::size_t>(size.columns, 1);
  Section sections[] = {title_section(model, status),
                        cpu_section(model, columns),
                        memory_section(model, columns),
                        load_section(model),
                        counter_section(model, status),
                        disk_section(model),
                        net_section(model)};
  out.clear();
  std::size_t rows_left = size.rows;
  for (Section& section : sections) rows_left -= place(section, rows_left, out);
  if (!size.cut) return;
  for (ScreenLine& line : out) line.truncate(columns);
}

std::string screen_text(std::string_view text) {
  static constexpr std::string_view kEmDash = "\xe2\x80\x94", kEnDash = "\xe2\x80\x93";
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (text.substr(i).starts_with(kEmDash) || text.substr(i).starts_with(kEnDash)) {
      out += '-';  // the broker's own summaries use dashes
      i += 2;
    } else if (c >= 0x80 && c < 0xC0) {
      continue;  // the rest of a UTF-8 character already shown as one '?'
    } else {
      out += c < 0x20 || c >= 0x7F ? '?' : static_cast<char>(c);
    }
  }
  return out;
}

}  // namespace sysring::cli
