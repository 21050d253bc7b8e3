#include "broker_options.hpp"

#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <vector>

#include "local_accounts.hpp"
#include "sysring/segment_name.hpp"
#include "unsigned_option.hpp"

namespace sysring::broker {
namespace po = boost::program_options;
using options::unsigned_value;

namespace {

log::Level parse_level(const std::string& s) {
  if (s == "error") return log::Level::kError;
  if (s == "warn") return log::Level::kWarn;
  if (s == "info") return log::Level::kInfo;
  if (s == "debug") return log::Level::kDebug;
  throw std::invalid_argument("--log-level must be error, warn, info or debug, not '" + s + "'");
}

mode_t parse_mode(const std::string& s) {
  std::size_t used = 0;
  unsigned long v = 0;
  try {
    v = std::stoul(s, &used, 8);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || v > 0777) throw std::invalid_argument("--mode must be octal, e.g. 0644");
  return static_cast<mode_t>(v);
}

gid_t parse_group(const std::string& s) {
  // From /etc/group itself (no NSS in the static sysringd), as --user reads /etc/passwd.
  if (const std::optional<gid_t> gid = detail::find_local_group(s)) return *gid;
  throw std::invalid_argument("--group: no group named '" + s + "' in /etc/group");
}

// "cycles, instructions" -> {"cycles", "instructions"}; an empty item is an error.
std::vector<std::string> split_event_list(const std::string& list) {
  std::vector<std::string> events;
  if (list.empty()) return events;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? comma : comma - start);
    const auto first = item.find_first_not_of(' ');
    const auto last = item.find_last_not_of(' ');
    item = first == std::string::npos ? "" : item.substr(first, last - first + 1);
    if (item.empty())
      throw std::invalid_argument("--pmc-events: empty event name in '" + list + "'");
    events.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return events;
}

}  // namespace

std::optional<BrokerOptions> parse_broker_options(int argc, char** argv) {
  BrokerOptions o;
  std::string mode = "0644";
  std::string group;
  std::string level = "info";
  std::string pmc_events;
  bool no_counters = false;
  std::string seccomp = "on";
  po::options_description desc(
      "sysringd: publishes kernel metrics into shared memory for unprivileged readers\n"
      "Usage: sysringd [options]\nOptions");
  // clang-format off
  desc.add_options()
      ("help,h", "show this help")
      ("segment,s", po::value(&o.segment)->default_value(o.segment),
       "shared-memory name: '/' and at most 30 more characters")
      ("tick-ms,t", unsigned_value(&o.tick_ms, o.tick_ms),
       "base tick in milliseconds (10..60000); each metric is read at its own TTL")
      ("ring-slots", unsigned_value(&o.ring_slots, o.ring_slots),
       "delta-ring slots, a power of two")
      ("ring-slot-bytes", unsigned_value(&o.ring_slot_bytes, o.ring_slot_bytes),
       "bytes per ring slot, a power of two from 1024")
      ("instance-headroom", unsigned_value(&o.instance_headroom_percent,
                                              o.instance_headroom_percent),
       "rows per instance domain (cpu, disk, netif, ...) beyond what exists at start, in percent "
       "of it (at least 8 more); instances past them are counted, not published")
      ("mode", po::value(&mode)->default_value(mode),
       "segment permissions: 0644 lets every local user read, 0640 only --group")
      ("group", po::value(&group), "group that may read the segment (with --mode 0640)")
      ("user,u", po::value(&o.user),
       "started as root: become this user once the segment exists (it then owns the segment); "
       "clients trust root, the broker user libsysring was built with, and themselves")
      ("keep-caps", po::value(&o.keep_caps)->default_value(o.keep_caps),
       "with --user: capabilities kept, comma-separated, or none (cap_perfmon: system-wide "
       "counters; without it, software events and no hardware counters)")
      ("seccomp", po::value(&seccomp)->default_value(seccomp),
       "on: once serving, a seccomp allow-list of the broker's system calls (a call outside it "
       "fails with EPERM and is logged); off: no filter, for debugging. Linux only")
      ("request-socket", po::value(&o.request_socket),
       "where to serve per-process counters (sysring stat): an AF_UNIX path, or none; default "
       "/run/sysring/<segment name>.sock. The [requests] section of --config says who may ask "
       "(docs/PROCESS_COUNTERS.md). Linux only")
      ("log-level", po::value(&level)->default_value(level), "error, warn, info or debug")
      ("foreground,f", po::bool_switch(&o.foreground), "stay attached and log to stderr")
      ("proc-root", po::value(&o.proc_root)->default_value(o.proc_root),
       "procfs mount to read (tests point it at a fixture tree)")
      ("sys-root", po::value(&o.sys_root)->default_value(o.sys_root),
       "sysfs mount to read for hardware facts (tests point it at a fixture tree)")
      ("config,c", po::value(&o.config),
       "scheduler config: per-metric and per-category pattern/TTL overrides (docs/CONFIG.md)")
      ("pmc-events", po::value(&pmc_events),
       "counter events, comma-separated: perf names (cycles, instructions, context-switches, "
       "...) or the CPU's own event names (libpfm4); default: the six hardware events, or the "
       "software ones where there is no PMU")
      ("no-counters", po::bool_switch(&no_counters), "publish no performance counters")
      ("max-ticks", unsigned_value(&o.max_ticks, std::uint64_t{0}),
       "exit after N ticks (0: never)");

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw std::invalid_argument(e.what());
  }
  if (vm.count("help") != 0U) {
    std::cout << desc << '\n';
    return std::nullopt;
  }
  if (auto problem = segment_name_problem(o.segment); !problem.empty()) {
    throw std::invalid_argument("--segment: " + problem);
  }
  if (o.tick_ms < 10 || o.tick_ms > 60000) {
    throw std::invalid_argument("--tick-ms must be between 10 and 60000");
  }
  if (o.instance_headroom_percent > 10000) {
    throw std::invalid_argument("--instance-headroom must be a percentage from 0 to 10000");
  }
  o.mode = parse_mode(mode);
  o.log_level = parse_level(level);
  if (!group.empty()) o.group = parse_group(group);
  if (seccomp != "on" && seccomp != "off") {
    throw std::invalid_argument("--seccomp must be on or off, not '" + seccomp + "'");
  }
  o.seccomp = seccomp == "on";
  o.counters = !no_counters;
  o.instance_config.proc_root = o.proc_root;
  o.instance_config.sys_root = o.sys_root;
  o.pmc_events = split_event_list(pmc_events);
  if (no_counters && !o.pmc_events.empty()) {
    throw std::invalid_argument("--pmc-events and --no-counters contradict each other");
  }
#ifdef __APPLE__
  if (!o.user.empty()) {
    throw std::invalid_argument("--user is not supported on macOS: KPC counters need root");
  }
#endif
  if (vm.count("request-socket") != 0U && o.request_socket.empty()) {
    throw std::invalid_argument("--request-socket needs a path or none");
  }
  if (o.request_socket != "none" && !o.request_socket.empty()) {
    if (o.request_socket.front() != '/') {
      throw std::invalid_argument("--request-socket must be an absolute path or none, not '" +
                                  o.request_socket + "'");
    }
    if (o.request_socket.size() >= 108) {
      throw std::invalid_argument("--request-socket: at most 107 bytes (an AF_UNIX path)");
    }
  }
  if (vm.count("keep-caps") != 0U && !vm["keep-caps"].defaulted() && o.user.empty()) {
    throw std::invalid_argument("--keep-caps needs --user");
  }
  return o;
}

}  // namespace sysring::broker
