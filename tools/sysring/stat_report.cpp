#include "stat_report.hpp"

#include <cmath>
#include <cstdio>

#include "format.hpp"
#include "json_writer.hpp"

namespace sysring::cli {
namespace {

std::string printf_string(const char* format, double value) {
  char buf[64];
  (void)std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

std::string padded(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string right(const std::string& text, std::size_t width) {
  return text.size() >= width ? text : std::string(width - text.size(), ' ') + text;
}

bool is_clock(const std::string& event) {
  return event == "task-clock" || event == "cpu-clock";
}

const CounterValue* counted(const std::vector<StatLine>& all,
                            std::initializer_list<std::string_view> names) {
  for (const StatLine& l : all) {
    if (!l.value || !l.value->counted) continue;
    for (const std::string_view n : names) {
      if (l.event == n) return &*l.value;
    }
  }
  return nullptr;
}

std::vector<CounterValue> values_of(const std::vector<StatLine>& lines) {
  std::vector<CounterValue> values;
  for (const StatLine& l : lines) {
    if (l.value) values.push_back(*l.value);
  }
  return values;
}

// perf stat's comment for one event, "" when it has none.
std::string comment(const StatLine& line, const std::vector<StatLine>& all, double wall_ns) {
  const CounterValue& v = *line.value;
  const DerivedRates rates = derive_rates(values_of(all), wall_ns);
  if (is_clock(line.event)) {
    if (wall_ns <= 0) return "";
    return printf_string("%8.3f CPUs utilized", v.scaled / wall_ns);
  }
  if ((line.event == "instructions") && rates.ipc) {
    return printf_string("%7.2f  insn per cycle", *rates.ipc);
  }
  if (line.event == "branch-misses" && rates.branch_miss_rate) {
    return printf_string("%7.2f%% of all branches", *rates.branch_miss_rate * 100);
  }
  if (line.event == "cache-misses" && rates.cache_miss_rate) {
    return printf_string("%7.2f%% of all cache refs", *rates.cache_miss_rate * 100);
  }
  const CounterValue* clock = counted(all, {"task-clock", "cpu-clock"});
  if (clock == nullptr || clock->scaled <= 0) return "";
  const double per_ns = v.scaled / clock->scaled;
  if (line.event == "cycles" || line.event == "cpu-cycles") {
    return printf_string("%8.3f GHz", per_ns);
  }
  double per_s = per_ns * 1e9;
  const char* prefix = "";
  if (per_s >= 1e9) {
    per_s /= 1e9;
    prefix = "G";
  } else if (per_s >= 1e6) {
    per_s /= 1e6;
    prefix = "M";
  } else if (per_s >= 1e3) {
    per_s /= 1e3;
    prefix = "K";
  }
  return printf_string("%8.3f ", per_s) + prefix + "/sec";
}

}  // namespace

std::vector<StatLine> stat_lines(const std::vector<std::string>& asked,
                                 const std::vector<CounterValue>& values,
                                 const std::vector<UnsupportedEvent>& unsupported) {
  std::vector<StatLine> lines;
  lines.reserve(asked.size());
  for (const std::string& event : asked) {
    StatLine line;
    line.event = event;
    for (const CounterValue& v : values) {
      if (v.name == event) line.value = v;
    }
    if (!line.value) {
      line.reason = "not granted";
      for (const UnsupportedEvent& u : unsupported) {
        if (u.name == event) line.reason = u.reason;
      }
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string group_thousands(std::uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string stat_event_line(const StatLine& line, const std::vector<StatLine>& all,
                            double wall_ns) {
  if (!line.value) return right("<not supported>", 18) + "      " + line.event;
  const CounterValue& v = *line.value;
  if (!v.counted) return right("<not counted>", 18) + "      " + line.event;
  std::string text;
  if (is_clock(line.event)) {
    text = right(printf_string("%.2f", v.scaled / 1e6), 18) + " msec ";
  } else {
    text =
        right(group_thousands(static_cast<std::uint64_t>(std::llround(v.scaled))), 18) + "      ";
  }
  const std::string note = comment(line, all, wall_ns);
  if (note.empty() && v.running_share >= 1.0) return text + line.event;
  text += padded(line.event, 33) + "#";
  text += padded(note.empty() ? "" : " " + note, 34);
  if (v.running_share < 1.0) text += printf_string("  (%.2f%%)", v.running_share * 100);
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text;
}

std::string stat_text(const std::string& target, const std::vector<StatLine>& lines,
                      double wall_ns) {
  std::string out = "\n Performance counter stats for " + printable(target) + ":\n\n";
  for (const StatLine& l : lines) out += stat_event_line(l, lines, wall_ns) + "\n";
  out += "\n" + printf_string("%18.9f", wall_ns / 1e9) + " seconds time elapsed\n\n";
  return out;
}

std::string stat_interval_text(double since_start_s, const std::vector<StatLine>& lines,
                               double wall_ns, bool header) {
  std::string out;
  if (header) out = "#           time             counts unit events\n";
  for (const StatLine& l : lines) {
    out += printf_string("%16.9f", since_start_s) + " " + stat_event_line(l, lines, wall_ns) + "\n";
  }
  return out;
}

std::string stat_json(const std::string& target, const std::vector<StatLine>& lines, double wall_ns,
                      std::optional<double> interval_end_s, std::optional<int> exit_status) {
  JsonWriter j;
  j.begin_object();
  j.field("target", target);
  if (interval_end_s) {
    j.field("interval_end_s", *interval_end_s);
    j.field("interval_s", wall_ns / 1e9);
  } else {
    j.field("elapsed_s", wall_ns / 1e9);
  }
  if (exit_status) j.field("exit_status", static_cast<std::int64_t>(*exit_status));
  j.key("events").begin_array();
  for (const StatLine& l : lines) {
    j.begin_object();
    j.field("event", l.event);
    j.field("supported", l.value.has_value());
    if (l.value) {
      const CounterValue& v = *l.value;
      j.field("counted", v.counted);
      j.field("value", v.scaled);
      j.field("unit", is_clock(l.event) ? "ns" : "");
      j.field("raw", v.raw);
      j.field("time_enabled_ns", v.time_enabled_ns);
      j.field("time_running_ns", v.time_running_ns);
      j.field("running_share", v.running_share);
    } else {
      j.field("reason", l.reason);
    }
    j.end_object();
  }
  j.end_array();
  const DerivedRates r = derive_rates(values_of(lines), wall_ns);
  j.key("derived").begin_object();
  const auto optional_field = [&](const char* name, const std::optional<double>& v) {
    if (v) j.field(name, *v);
  };
  optional_field("task_clock_ms", r.task_clock_ms);
  optional_field("cpus_utilized", r.cpus_utilized);
  optional_field("ipc", r.ipc);
  optional_field("cache_miss_rate", r.cache_miss_rate);
  optional_field("branch_miss_rate", r.branch_miss_rate);
  j.end_object();
  j.end_object();
  return j.str();
}

}  // namespace sysring::cli
