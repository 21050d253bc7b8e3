#include "cli_options.hpp"

#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <set>

#include "exit_codes.hpp"
#include "sysring/segment_name.hpp"
#include "unsigned_option.hpp"

namespace sysring::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "sysring: inspect the sysring shared-memory segment published by sysringd\n"
    "\n"
    "Usage: sysring [options] VERB [ARGS...]\n"
    "\n"
    "Verbs:\n"
    "  list                the metrics read here: id, name, category, DOMAIN and INSTANCES (of a\n"
    "                      family), type, unit, patterns, TTL (--all: also those unavailable)\n"
    "  instances [DOMAIN]  instances with their labels, state and age; DOMAIN is one of cpu,\n"
    "                      disk, netif, filesystem, numa, cgroup\n"
    "  cats                categories with their metric counts\n"
    "  cat CATEGORY        current values of one category, every instance of its families\n"
    "  get SELECTOR...     current values of the selected metrics and instances (see below)\n"
    "  all                 current values of every metric and instance\n"
    "  watch               follow the delta ring live until Ctrl-C: changed values and instances\n"
    "                      added (+) or removed (-) (NDJSON with --json)\n"
    "  ring                segment and broker status: version, epoch, pid, heartbeat, ring\n"
    "                      counters, instances per domain\n"
    "  pmc                 live performance counters of all CPUs and of each CPU: rates, IPC,\n"
    "                      miss rates, multiplexing\n"
    "  top                 live view refreshed every broker tick: CPU bars, memory and swap,\n"
    "                      load and pressure, counters, disk and network rates; q or Ctrl-C\n"
    "                      quits. On a pipe: plain blocks, one per refresh (--count N)\n"
    "  stat [-e EVENTS] [-p PID] [-I MS] [-- COMMAND [ARGS...]]\n"
    "                      count a process's performance counters through the broker, like\n"
    "                      perf stat but without privileges: run COMMAND and count it (exits\n"
    "                      with its status), or count process PID (yours; its main thread\n"
    "                      and what it starts from then on) until Ctrl-C or its exit. The\n"
    "                      report goes to stderr (--json: one JSON object; -I: one per\n"
    "                      interval). Default events: task-clock, context-switches,\n"
    "                      cpu-migrations, page-faults, cycles, instructions, branches,\n"
    "                      branch-misses (those the broker cannot open: <not supported>)\n"
    "\n"
    "Selectors (Prometheus style; quote them for the shell):\n"
    "  disk.read_bytes                     a scalar, or every instance of a family\n"
    "  'disk.read_bytes{device=\"vda\"}'     instances whose label equals the value\n"
    "  'netif.rx_bytes{device!=\"lo\"}'      ... differs; =~ and !~ match a regex (ECMAScript)\n"
    "                                      against the whole value\n"
    "  'fs.avail_bytes{fstype=~\"ext.|xfs\",mountpoint!=\"/boot\"}'  all matchers must hold\n"
    "  'cpu.time.user{instance=\"cpu0\"}'    instance: the instance's name\n"
    "  Values are double-quoted; \\\" is a quote and \\\\ a backslash inside them.\n"
    "\n"
    "Exit status: 0 ok, 1 error (also: no instance matches), 2 usage error (also: a malformed\n"
    "selector), 3 broker stale or gone; stat with a command: the command's own status (128+N\n"
    "if it died of signal N).\n"
    "\n"
    "Options";

// Through the shared parser: Boost would wrap "-1" into a huge unsigned number instead of
// refusing it. Parsed after the verb is known, so a flag that does not apply is named first.
std::uint64_t parse_bounded(const std::string& flag, const std::string& text, std::uint64_t min,
                            std::uint64_t max) {
  const std::optional<std::uint64_t> value = options::parse_unsigned<std::uint64_t>(text);
  if (!value || *value < min || *value > max) {
    throw usage_error(flag + " must be a whole number from " + std::to_string(min) + " to " +
                      std::to_string(max) + ", not '" + text + "'");
  }
  return *value;
}

struct VerbRule {
  std::size_t min_args;
  std::size_t max_args;
  const char* arg_usage;
};

const VerbRule* rule_for(const std::string& verb) {
  static const VerbRule kNone{0, 0, ""};
  static const VerbRule kOne{1, 1, "CATEGORY"};
  static const VerbRule kMany{1, SIZE_MAX, "SELECTOR..."};
  static const VerbRule kOptionalDomain{0, 1, "[DOMAIN]"};
  static const VerbRule kCommand{0, SIZE_MAX,
                                 "[-e EVENTS] [-p PID] [-I MS] [-- COMMAND [ARGS...]]"};
  if (verb == "list" || verb == "cats" || verb == "all" || verb == "watch" || verb == "ring" ||
      verb == "pmc" || verb == "top") {
    return &kNone;
  }
  if (verb == "cat") return &kOne;
  if (verb == "get") return &kMany;
  if (verb == "instances") return &kOptionalDomain;
  if (verb == "stat") return &kCommand;
  return nullptr;
}

// A flag that means nothing to the chosen verb is refused rather than silently ignored.
void check_flag_applies(const po::variables_map& vm, const char* flag,
                        const std::set<std::string>& verbs, const std::string& verb) {
  if (vm.count(flag) == 0U || verbs.count(verb) != 0U) return;
  std::string list;
  for (const auto& v : verbs) list += (list.empty() ? "'" : " and '") + v + "'";
  throw usage_error(std::string("--") + flag + " applies only to " + list);
}

}  // namespace

std::optional<CliOptions> parse_cli(int argc, char** argv) {
  CliOptions o;
  std::string count, interval, sample, pid;
  std::vector<std::string> events;
  po::options_description visible(kUsage);
  // One option per line reads better than the formatter's call chain.
  // clang-format off
  visible.add_options()
      ("help,h", "show this help")
      ("segment,s", po::value(&o.segment)->default_value(o.segment), "shared-memory segment name")
      ("json", po::bool_switch(&o.json),
       "machine-readable output (one JSON line per batch for watch)")
      ("all", po::bool_switch(&o.all), "list: also the metrics this machine cannot read")
      ("allow-stale", po::bool_switch(&o.allow_stale),
       "get/cat/all/pmc: show values even if the broker is stale or gone (warns on stderr)")
      ("count,n", po::value(&count),
       "watch: exit after N batches (the first, a full snapshot, counts); pmc: after N tables; "
       "top: after N refreshes")
      ("interval-ms,I", po::value(&interval),
       "watch: poll interval in ms (default: a quarter of the broker tick); pmc: sampling "
       "interval (default: the counters' read period); stat: print deltas every MS ms")
      ("event,e", po::value(&events)->composing(),
       "stat: events to count, comma-separated, repeatable (perf(1) names)")
      ("pid,p", po::value(&pid), "stat: count this running process (yours) until Ctrl-C or its exit")
      ("request-socket", po::value<std::string>(),
       "stat: ask the broker on this socket instead of the one the segment names (the server "
       "must be root, the broker user or you)")
      ("sample-ms", po::value(&sample),
       "ring: follow the ring this long to measure lapping (default: two ticks, at most 1000 ms; "
       "0 skips)");
  po::options_description hidden;
  hidden.add_options()
      ("verb", po::value(&o.verb))
      ("args", po::value(&o.args)->multitoken());
  // clang-format on
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("verb", 1).add("args", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw usage_error(e.what());
  }
  if (vm.count("help") != 0U) {
    std::cout << visible << '\n';
    return std::nullopt;
  }
  if (o.verb.empty()) throw usage_error("no verb given");
  const VerbRule* rule = rule_for(o.verb);
  if (rule == nullptr) throw usage_error("unknown verb '" + o.verb + "'");
  if (o.args.size() < rule->min_args || o.args.size() > rule->max_args) {
    throw usage_error(rule->max_args == 0 ? "'" + o.verb + "' takes no arguments"
                                          : "usage: sysring " + o.verb + " " + rule->arg_usage);
  }
  if (auto problem = segment_name_problem(o.segment); !problem.empty()) {
    throw usage_error("--segment: " + problem);
  }
  check_flag_applies(vm, "count", {"watch", "pmc", "top"}, o.verb);
  check_flag_applies(vm, "interval-ms", {"watch", "pmc", "stat"}, o.verb);
  check_flag_applies(vm, "event", {"stat"}, o.verb);
  check_flag_applies(vm, "pid", {"stat"}, o.verb);
  check_flag_applies(vm, "request-socket", {"stat"}, o.verb);
  check_flag_applies(vm, "sample-ms", {"ring"}, o.verb);
  if (o.all && o.verb != "list") throw usage_error("--all applies only to 'list'");
  if (o.allow_stale && o.verb != "get" && o.verb != "cat" && o.verb != "all" && o.verb != "pmc") {
    throw usage_error("--allow-stale applies only to 'get', 'cat', 'all' and 'pmc'");
  }
  if (!count.empty() || vm.count("count") != 0U) {
    o.count = parse_bounded("--count", count, 1, UINT64_MAX);
  }
  if (!interval.empty() || vm.count("interval-ms") != 0U) {
    o.interval_ms = static_cast<std::uint32_t>(parse_bounded("--interval-ms", interval, 1, 60000));
  }
  if (!sample.empty() || vm.count("sample-ms") != 0U) {
    o.sample_ms = static_cast<std::uint32_t>(parse_bounded("--sample-ms", sample, 0, 10000));
  }
  for (const std::string& list : events) {
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = list.find(',', start);
      std::string name = list.substr(start, comma == std::string::npos ? comma : comma - start);
      if (name.empty()) throw usage_error("-e: empty event name in '" + list + "'");
      o.events.push_back(std::move(name));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (o.events.size() > 16) throw usage_error("-e: at most 16 events at once");
  if (!pid.empty() || vm.count("pid") != 0U) {
    o.pid = static_cast<std::int32_t>(parse_bounded("--pid", pid, 1, INT32_MAX));
  }
  if (vm.count("request-socket") != 0U) {
    o.request_socket = vm["request-socket"].as<std::string>();
    if (o.request_socket->empty()) throw usage_error("--request-socket: empty path");
  }
  if (o.verb == "stat") {
    if (o.pid && !o.args.empty()) throw usage_error("stat: either -p PID or a command, not both");
    if (!o.pid && o.args.empty()) {
      throw usage_error("usage: sysring stat [-e EVENTS] [-I MS] -- COMMAND [ARGS...], or -p PID");
    }
  }
  return o;
}

}  // namespace sysring::cli
