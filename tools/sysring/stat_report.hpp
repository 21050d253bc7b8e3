// `sysring stat`'s report, in the spirit of perf stat: one line per event with its count, unit,
// a rate comment (CPUs utilized, GHz, insn per cycle, miss rates, per second) and the share of
// time it really counted when under 100%; "<not supported>" for an event the broker would not
// grant. Also the JSON form. Pure functions, tested in tests/process_counters.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sysring/process_counters.hpp"

namespace sysring::cli {

// One event of the report: its reading, or why it has none.
struct StatLine {
  std::string event;
  std::optional<CounterValue> value;  // nullopt: not supported
  std::string reason;                 // when not supported
};

// The lines in the order asked: `values` for the granted events, "<not supported>" for the rest.
[[nodiscard]] std::vector<StatLine> stat_lines(const std::vector<std::string>& asked,
                                               const std::vector<CounterValue>& values,
                                               const std::vector<UnsupportedEvent>& unsupported);

// "1,234,567".
[[nodiscard]] std::string group_thousands(std::uint64_t value);

// One event's line, without a trailing newline, e.g.
// "             12.34 msec task-clock                #    0.987 CPUs utilized".
// `wall_ns`: the wall time the counts cover (for CPUs utilized).
[[nodiscard]] std::string stat_event_line(const StatLine& line, const std::vector<StatLine>& all,
                                          double wall_ns);

// The whole report: " Performance counter stats for 'TARGET':", the lines and
// "  N.NNNNNNNNN seconds time elapsed". `target` is "./prog args" or "process id '12'".
[[nodiscard]] std::string stat_text(const std::string& target, const std::vector<StatLine>& lines,
                                    double wall_ns);

// One interval of -I: each line prefixed with the seconds since the start; a header first when
// `header`.
[[nodiscard]] std::string stat_interval_text(double since_start_s,
                                             const std::vector<StatLine>& lines, double wall_ns,
                                             bool header);

// One JSON object: target, elapsed (or the interval's end and length), each event (value
// scaled, raw, times, running share, supported/reason), the derived rates, and the command's
// exit status when known.
[[nodiscard]] std::string stat_json(const std::string& target, const std::vector<StatLine>& lines,
                                    double wall_ns, std::optional<double> interval_end_s,
                                    std::optional<int> exit_status);

}  // namespace sysring::cli
