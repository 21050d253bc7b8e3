#include "exporter_options.hpp"

#include <boost/program_options.hpp>
#include <iostream>

#include "sysring/segment_name.hpp"
#include "unsigned_option.hpp"

#ifndef SYSRING_VERSION  // set by CMake; a build without it (the cross check) says so
#define SYSRING_VERSION "unknown"
#endif

namespace sysring::exporter {

namespace po = boost::program_options;
using options::unsigned_value;

namespace {

std::regex compile(const std::string& flag, const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    throw UsageError("--" + flag + ": bad regular expression '" + pattern + "': " + e.what());
  }
}

}  // namespace

std::optional<ExporterOptions> parse_exporter_options(int argc, const char* const* argv) {
  ExporterOptions options;
  options.renderer.segment = std::string(kDefaultSegmentName);
  std::string log_level = "info";
  std::string mount_points = std::string(kDefaultMountPointsExclude);
  std::string fs_types = std::string(kDefaultFsTypesExclude);
  std::string netclass_ignored = std::string(kDefaultNetclassIgnoredDevices);
  std::string netdev_exclude;
  std::string netstat_fields = std::string(kDefaultNetstatFields);
  std::string vmstat_fields = std::string(kDefaultVmstatFields);
  unsigned timeout_ms = 10'000;
  unsigned gzip_level = 1;

  po::options_description general(
      "sysring-exporter: node_exporter-compatible metrics from the "
      "sysring broker's segment\n\nOptions");
  general.add_options()("help,h", "show this help")("version", "show the version")(
      "web.listen-address",
      po::value(&options.listen_address)->default_value(options.listen_address),
      "address to listen on: host:port, :port or [v6]:port")(
      "web.telemetry-path", po::value(&options.telemetry_path)->default_value("/metrics"),
      "path under which to expose metrics")(
      "web.request-timeout-ms", unsigned_value(&timeout_ms, timeout_ms),
      "deadline to read a request and to write its reply; a slower client is disconnected")(
      "web.max-connections", unsigned_value(&options.limits.max_connections, 64U),
      "open connections at once; more are closed at once")(
      "web.threads", unsigned_value(&options.threads, 1U),
      "threads serving HTTP (one serves thousands of scrapes a second; more only add hand-offs)")(
      "segment", po::value(&options.renderer.segment)->default_value(options.renderer.segment),
      "shared-memory segment of the broker")(
      "allow-stale", po::bool_switch(&options.renderer.allow_stale),
      "serve the last values of a stale broker (default: only sysring_broker_up 0)")(
      "gzip-level", unsigned_value(&gzip_level, 1U), "zlib level 1-9 for gzip replies")(
      "log-level", po::value(&log_level)->default_value("info"), "debug, info, warn or error");

  po::options_description collectors("Collectors (all on by default)");
  collectors.add_options()("collector.disable-defaults", po::bool_switch(),
                           "turn every collector off; enable some with --collector.<name>");
  for (const auto& c : kCollectors) {
    const std::string name(c.name);
    collectors.add_options()(("collector." + name).c_str(), po::bool_switch(),
                             ("enable " + std::string(c.help)).c_str())(
        ("no-collector." + name).c_str(), po::bool_switch(),
        ("disable the " + name + " collector").c_str());
  }
  collectors.add_options()("collector.filesystem.mount-points-exclude",
                           po::value(&mount_points)->default_value(mount_points),
                           "mount points to leave out")(
      "collector.filesystem.fs-types-exclude", po::value(&fs_types)->default_value(fs_types),
      "filesystem types to leave out")(
      "collector.netclass.ignored-devices",
      po::value(&netclass_ignored)->default_value(netclass_ignored),
      "interfaces to leave out of the netclass series")(
      "collector.netdev.device-exclude", po::value(&netdev_exclude),
      "interfaces to leave out of the netdev series")(
      "collector.netstat.fields", po::value(&netstat_fields)->default_value(netstat_fields),
      "netstat fields (Proto_Field) exported as node_netstat_*; the rest go out as sysring_*")(
      "collector.vmstat.fields", po::value(&vmstat_fields)->default_value(vmstat_fields),
      "vmstat fields exported as node_vmstat_*; the rest go out as sysring_*");

  po::options_description all;
  all.add(general).add(collectors);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(e.what());
  }
  if (vm.count("help") != 0) {
    std::cout << all << "\n";
    return std::nullopt;
  }
  if (vm.count("version") != 0) {
    std::cout << "sysring-exporter " << SYSRING_VERSION << "\n";
    return std::nullopt;
  }

  const auto level = parse_log_level(log_level);
  if (!level)
    throw UsageError("--log-level: '" + log_level + "' is not debug, info, warn or error");
  options.log_level = *level;
  if (options.telemetry_path.empty() || options.telemetry_path.front() != '/' ||
      options.telemetry_path == "/") {
    throw UsageError("--web.telemetry-path: '" + options.telemetry_path +
                     "' must start with '/' and not be '/' (the landing page)");
  }
  if (options.threads == 0 || options.threads > 64) throw UsageError("--web.threads: 1 to 64");
  if (options.limits.max_connections == 0) throw UsageError("--web.max-connections: at least 1");
  if (timeout_ms == 0) throw UsageError("--web.request-timeout-ms: at least 1");
  if (gzip_level < 1 || gzip_level > 9) throw UsageError("--gzip-level: 1 to 9");
  options.renderer.gzip_level = static_cast<int>(gzip_level);
  options.limits.request_timeout = std::chrono::milliseconds(timeout_ms);
  if (const std::string problem = segment_name_problem(options.renderer.segment);
      !problem.empty()) {
    throw UsageError("--segment: " + problem);
  }
  try {
    (void)parse_listen_address(options.listen_address);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--web.listen-address: ") + e.what());
  }

  auto& config = options.renderer.collectors;
  const bool defaults_off = vm["collector.disable-defaults"].as<bool>();
  for (std::size_t i = 0; i < kCollectors.size(); ++i) {
    const std::string name(kCollectors[i].name);
    const bool on = vm["collector." + name].as<bool>();
    const bool off = vm["no-collector." + name].as<bool>();
    if (on && off) throw UsageError("--collector." + name + " and --no-collector." + name);
    config.enabled[i] = on || (!off && !defaults_off);
  }
  config.filesystem_mount_points_exclude =
      compile("collector.filesystem.mount-points-exclude", mount_points);
  config.filesystem_fs_types_exclude = compile("collector.filesystem.fs-types-exclude", fs_types);
  config.netclass_ignored_devices = compile("collector.netclass.ignored-devices", netclass_ignored);
  config.netdev_device_exclude_set = !netdev_exclude.empty();
  if (config.netdev_device_exclude_set) {
    config.netdev_device_exclude = compile("collector.netdev.device-exclude", netdev_exclude);
  }
  config.netstat_fields = compile("collector.netstat.fields", netstat_fields);
  config.vmstat_fields = compile("collector.vmstat.fields", vmstat_fields);
  return options;
}

}  // namespace sysring::exporter
