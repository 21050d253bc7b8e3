#include "info_families.hpp"

#include <cstdlib>
#include <ctime>
#include <vector>

#include "plan_builder.hpp"

namespace sysring::exporter {
namespace {

constexpr std::string_view kUnameSources[][2] = {
    {"domainname", "kern.domainname"}, {"machine", "kern.arch"},   {"nodename", "kern.hostname"},
    {"release", "kern.osrelease"},     {"sysname", "kern.ostype"}, {"version", "kern.version"}};

constexpr std::string_view kOsSources[][2] = {{"build_id", "os.build_id"},
                                              {"id", "os.id"},
                                              {"id_like", "os.id_like"},
                                              {"image_id", "os.image_id"},
                                              {"image_version", "os.image_version"},
                                              {"name", "os.name"},
                                              {"pretty_name", "os.pretty_name"},
                                              {"variant", "os.variant"},
                                              {"variant_id", "os.variant_id"},
                                              {"version", "os.version"},
                                              {"version_codename", "os.version_codename"},
                                              {"version_id", "os.version_id"}};

constexpr std::string_view kNetifInfoSources[] = {"netif.operstate", "netif.duplex"};

// RFC 2863 operstate names by IF_OPER_* code, as /sys/class/net/*/operstate prints them.
constexpr std::string_view kOperstates[] = {"unknown", "notpresent", "down", "lowerlayerdown",
                                            "testing", "dormant",    "up"};

class InfoWriter {
 public:
  InfoWriter(Format format, std::string& out) : format_(format), out_(out) {}

  void family(std::string_view name, std::string_view help) {
    append_family_header(out_, format_, name, help, MetricType::kGauge, "");
  }
  void sample(std::string_view name, std::span<const LabelPair> labels, double value) {
    append_sample_prefix(out_, name, labels);
    append_value(out_, value);
  }

 private:
  Format format_;
  std::string& out_;
};

// Reads string metrics by name; an unknown or unreadable one reads as "".
class TextReader {
 public:
  explicit TextReader(const Client& client) : client_(client) {}
  bool read(std::string_view name, std::string& out) const {
    out.clear();
    const auto id = client_.find(name);
    if (!id) return false;
    Text text;
    if (client_.read_text(*id, text) != ReadStatus::kOk) return false;
    out.assign(text.view());
    return true;
  }

 private:
  const Client& client_;
};

template <std::size_t N>
bool read_labels(const TextReader& reader, const std::string_view (&sources)[N][2],
                 std::vector<std::string>& values, std::vector<LabelPair>& labels) {
  values.assign(N, {});
  labels.clear();
  bool any = false;
  for (std::size_t i = 0; i < N; ++i) any = reader.read(sources[i][1], values[i]) || any;
  for (std::size_t i = 0; i < N; ++i) labels.push_back({sources[i][0], values[i]});
  return any;
}

void render_uname(const TextReader& reader, InfoWriter& w) {
  std::vector<std::string> values;
  std::vector<LabelPair> labels;
  if (!read_labels(reader, kUnameSources, values, labels)) return;
  w.family("node_uname_info", "Labeled system information as provided by the uname system call.");
  w.sample("node_uname_info", labels, 1);
}

void render_os(const TextReader& reader, InfoWriter& w) {
  std::vector<std::string> values;
  std::vector<LabelPair> labels;
  if (!read_labels(reader, kOsSources, values, labels)) return;
  w.family("node_os_info",
           "A metric with a constant '1' value labeled by build_id, id, id_like, image_id, "
           "image_version, name, pretty_name, variant, variant_id, version, version_codename, "
           "version_id.");
  w.sample("node_os_info", labels, 1);
  // node_exporter: version_id as a number (0 when it is not one), labelled id, id_like, name.
  // (strtod: libc++ on macOS has no floating-point from_chars.)
  const std::string& version_id = values[11];
  char* end = nullptr;
  double version = std::strtod(version_id.c_str(), &end);
  if (version_id.empty() || end != version_id.c_str() + version_id.size()) version = 0;
  const LabelPair version_labels[] = {
      {"id", values[1]}, {"id_like", values[2]}, {"name", values[5]}};
  w.family("node_os_version", "Metric containing the major.minor part of the OS version.");
  w.sample("node_os_version", version_labels, version);
}

void render_clocksources(const TextReader& reader, InfoWriter& w) {
  std::string current;
  std::string available;
  const bool have_current = reader.read("kern.clocksource", current);
  if (reader.read("kern.clocksources_available", available)) {
    w.family("node_time_clocksource_available_info",
             "Available clocksources read from '/sys/devices/system/clocksource'.");
    std::string_view rest = available;
    while (!rest.empty()) {
      const auto space = rest.find_first_of(" \n");
      const std::string_view source = rest.substr(0, space);
      if (!source.empty()) {
        const LabelPair labels[] = {{"clocksource", source}, {"device", "0"}};
        w.sample("node_time_clocksource_available_info", labels, 1);
      }
      if (space == std::string_view::npos) break;
      rest.remove_prefix(space + 1);
    }
  }
  if (have_current) {
    w.family("node_time_clocksource_current_info",
             "Current clocksource read from '/sys/devices/system/clocksource'.");
    const LabelPair labels[] = {{"clocksource", current}, {"device", "0"}};
    w.sample("node_time_clocksource_current_info", labels, 1);
  }
}

// A live netif or disk cell as a number, or nullopt.
std::optional<double> cell(const Client& client, const ValueSnapshot& snapshot,
                           std::string_view family_name, const Instance& instance) {
  const auto id = client.find(family_name);
  const Descriptor* d = id ? client.descriptor(*id) : nullptr;
  const DomainInfo* domain = d != nullptr ? client.domain(d->domain) : nullptr;
  if (domain == nullptr) return std::nullopt;
  if (snapshot.registration(*domain, instance.row) !=
      (instance.registration | layout::kRegistrationLive)) {
    return std::nullopt;
  }
  Scalar value;
  if (snapshot.scalar(*d, instance.row, value) != ReadStatus::kOk) return std::nullopt;
  return value.as_number();
}

std::string_view label_or_empty(const Instance& instance, std::string_view key) {
  const std::string* value = instance.label(key);
  return value != nullptr ? std::string_view(*value) : std::string_view{};
}

void render_network_info(const Client& client, const ValueSnapshot& snapshot,
                         const SeriesPlan& plan, const CollectorConfig& config, InfoWriter& w) {
  bool first = true;
  for (const Instance* i : plan.directory->live(InstanceDomain::Netif)) {
    if (std::regex_search(i->name, config.netclass_ignored_devices)) continue;
    const auto oper = cell(client, snapshot, "netif.operstate", *i);
    const auto duplex = cell(client, snapshot, "netif.duplex", *i);
    const auto oper_index = oper ? static_cast<std::size_t>(*oper) : 0;
    const std::string_view operstate =
        oper_index < std::size(kOperstates) ? kOperstates[oper_index] : "unknown";
    // netif.duplex: 1 unknown, 2 half, 3 full; unreadable (a down link) is "" as node_exporter.
    std::string_view duplex_text;
    if (duplex && *duplex == 1) duplex_text = "unknown";
    if (duplex && *duplex == 2) duplex_text = "half";
    if (duplex && *duplex == 3) duplex_text = "full";
    const LabelPair labels[] = {{"address", label_or_empty(*i, "address")},
                                {"broadcast", label_or_empty(*i, "broadcast")},
                                {"device", i->name},
                                {"duplex", duplex_text},
                                {"ifalias", label_or_empty(*i, "ifalias")},
                                {"operstate", operstate}};
    if (first) {
      w.family("node_network_info",
               "Non-numeric data from /sys/class/net/<iface>, value is always 1.");
      first = false;
    }
    w.sample("node_network_info", labels, 1);
  }
}

void render_disk_info(const SeriesPlan& plan, InfoWriter& w) {
  bool first = true;
  for (const Instance* i : plan.directory->live(InstanceDomain::Disk)) {
    if (i->label("major") == nullptr) continue;  // a broker without the udev labels
    const LabelPair labels[] = {{"device", i->name},
                                {"major", label_or_empty(*i, "major")},
                                {"minor", label_or_empty(*i, "minor")},
                                {"model", label_or_empty(*i, "model")},
                                {"path", label_or_empty(*i, "path")},
                                {"revision", label_or_empty(*i, "revision")},
                                {"serial", label_or_empty(*i, "serial")},
                                {"wwn", label_or_empty(*i, "wwn")}};
    if (first) {
      w.family("node_disk_info", "Info of /sys/block/<block_device>.");
      first = false;
    }
    w.sample("node_disk_info", labels, 1);
  }
}

}  // namespace

void consume_info_families(PlanBuilder& builder) {
  for (const auto& source : kUnameSources) {
    if (const Descriptor* d = builder.find(source[1])) builder.consume(*d);
  }
  for (const auto& source : kOsSources) {
    if (const Descriptor* d = builder.find(source[1])) builder.consume(*d);
  }
  for (const auto name : kNetifInfoSources) {
    if (const Descriptor* d = builder.find(name)) builder.consume(*d);
  }
  for (const auto name : {"kern.clocksource", "kern.clocksources_available"}) {
    if (const Descriptor* d = builder.find(name)) builder.consume(*d);
  }
}

void render_info_families(const Client& client, const ValueSnapshot& snapshot,
                          const SeriesPlan& plan, const CollectorConfig& config, Format format,
                          std::string& out) {
  InfoWriter w(format, out);
  const TextReader reader(client);
  if (config.on("uname")) render_uname(reader, w);
  if (config.on("os")) render_os(reader, w);
  if (config.on("time")) render_clocksources(reader, w);
  if (config.on("netclass")) render_network_info(client, snapshot, plan, config, w);
  if (config.on("diskstats")) render_disk_info(plan, w);
}

void render_time_now(const CollectorConfig& config, Format format, std::string& out) {
  if (!config.on("time")) return;
  InfoWriter w(format, out);
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  w.family("node_time_seconds", "System time in seconds since epoch (1970).");
  const LabelPair none[1] = {};
  w.sample("node_time_seconds", std::span<const LabelPair>(none, 0),
           static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9);
  std::tm local{};
  localtime_r(&now.tv_sec, &local);
  w.family("node_time_zone_offset_seconds", "System time zone offset in seconds.");
  const LabelPair zone[] = {{"time_zone", local.tm_zone != nullptr ? local.tm_zone : ""}};
  w.sample("node_time_zone_offset_seconds", zone, static_cast<double>(local.tm_gmtoff));
}

}  // namespace sysring::exporter
