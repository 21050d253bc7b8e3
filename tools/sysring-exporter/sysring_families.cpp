#include "sysring_families.hpp"

#include <array>

namespace sysring::exporter {
namespace {

struct UnitRule {
  std::string_view unit;         // registry unit
  std::string_view base;         // exported unit (name suffix), or empty for none
  double factor;                 // 0: per clock tick; -1: times the page size
  std::string_view name_suffix;  // dropped from the name before the base unit is added
};

// clang-format off
constexpr UnitRule kUnits[] = {
    {"bytes", "bytes", 1, "_bytes"},
    {"KiB", "bytes", 1024, "_kb"},
    {"pages", "bytes", -1, "_pages"},
    {"seconds", "seconds", 1, "_seconds"},
    {"ms", "seconds", 1e-3, "_ms"},
    {"us", "seconds", 1e-6, "_us"},
    {"ns", "seconds", 1e-9, "_ns"},
    {"cs", "seconds", 1e-2, "_centisecs"},
    {"ticks", "seconds", 0, "_ticks"},
    {"hz", "hertz", 1, "_hz"},
    {"percent", "percent", 1, "_percent"},
    {"bits", "bits", 1, "_bits"},
};
// clang-format on

bool ends_with_field(std::string_view source, std::initializer_list<std::string_view> fields) {
  for (const auto f : fields) {
    if (source.size() > f.size() && source.ends_with(f) &&
        source[source.size() - f.size() - 1] == ':') {
      return true;
    }
  }
  return false;
}

}  // namespace

bool is_cumulative(const Descriptor& d) {
  if (d.type == ValueType::Counter) return true;
  const std::string_view s = d.source;
  if (s.starts_with("percpu_stat:") || s.starts_with("stat:cpu:") || s.starts_with("netdev:") ||
      s.starts_with("netstat:") || s.starts_with("snmp6:") || s.starts_with("numastat:") ||
      s.starts_with("conntrack_stat:") || s.starts_with("softnet:") ||
      s.starts_with("cgroup:cpu.stat:") || s.starts_with("cgroup:io.stat:")) {
    return true;
  }
  if (s == "stat:ctxt" || s == "stat:intr" || s == "stat:softirq" || s == "stat:processes") {
    return true;
  }
  if (s.starts_with("diskstats:")) return !s.starts_with("diskstats:8");  // 8: I/Os in flight
  if (s.starts_with("snmp:")) {
    // The few snmp fields that are settings or levels, not counts since boot.
    return !ends_with_field(s, {"Forwarding", "DefaultTTL", "CurrEstab", "MaxConn", "RtoMin",
                                "RtoMax", "RtoAlgorithm"});
  }
  if (s.starts_with("vmstat:")) {
    const std::string_view field = s.substr(7);
    return !field.starts_with("nr_");  // nr_*: pages in a state now; the rest count events
  }
  if ((s.starts_with("pressure:") || s.starts_with("cgroup:")) && s.ends_with(":total"))
    return true;
  if (s.starts_with("timex:")) return ends_with_field(s, {"jitcnt", "calcnt", "errcnt", "stbcnt"});
  return s == "netclass:carrier_changes" || s == "netclass:carrier_up_count" ||
         s == "netclass:carrier_down_count";
}

SysringName sysring_name(const Descriptor& d, double clock_ticks, double page_size) {
  SysringName out;
  std::string base = "sysring_" + sanitize_metric_name(d.name);
  for (const auto& rule : kUnits) {
    if (d.unit != rule.unit) continue;
    if (base.ends_with(rule.name_suffix)) base.resize(base.size() - rule.name_suffix.size());
    const std::string suffix = "_" + std::string(rule.base);
    if (!base.ends_with(suffix)) base += suffix;
    out.unit = rule.base;
    out.scale = rule.factor == 0 ? 1.0 / clock_ticks : rule.factor < 0 ? page_size : rule.factor;
    break;
  }
  out.cumulative = is_cumulative(d);
  if (out.cumulative && !base.ends_with("_total")) base += "_total";
  // A level whose sysring name ends like a counter or a histogram part (vm.max_map_count,
  // numa.huge_pages_total) keeps its name with "_value" after it, so no tool mistakes it.
  if (!out.cumulative) {
    for (const std::string_view reserved : {"_total", "_count", "_sum", "_bucket"}) {
      if (base.ends_with(reserved)) base += "_value";
    }
  }
  out.name = std::move(base);
  return out;
}

namespace {

std::string help_for(const Descriptor& d) {
  std::string help = d.description.empty() ? d.name : d.description;
  if (!d.detail.empty()) help += " (" + d.detail + ")";
  help += " (sysring " + d.name + ")";
  return help;
}

void plan_counter(PlanBuilder& b, const Descriptor& d) {
  const std::string base = "sysring_" + sanitize_metric_name(d.name);
  const std::string help = help_for(d);
  auto add = [&](const std::string& name, const std::string& what, ValueRef ref,
                 std::string_view unit) {
    auto& family = b.family(name, what, MetricType::kCounter, unit);
    if (d.domain == InstanceDomain::None) {
      b.scalar(family, name, {}, ref);
    } else {
      b.per_instance(family, name, {}, ref);
    }
  };
  add(base + "_total", help, ValueRef{.family = &d}, "");
  add(base + "_enabled_seconds_total",
      "Seconds " + d.name + " was enabled (multiplexing: compare with running)",
      ValueRef{.kind = ValueRef::Kind::kCounterEnabled, .family = &d, .scale = 1e-9}, "seconds");
  add(base + "_running_seconds_total", "Seconds " + d.name + " was counting on the PMU",
      ValueRef{.kind = ValueRef::Kind::kCounterRunning, .family = &d, .scale = 1e-9}, "seconds");
}

void plan_one(PlanBuilder& b, const Descriptor& d, bool pmc, bool rest, double clock_ticks,
              double page_size) {
  if (d.type == ValueType::Counter) {
    if (pmc) plan_counter(b, d);
    return;
  }
  if (!rest) return;
  if (d.type == ValueType::String) {
    const std::string name = "sysring_" + sanitize_metric_name(d.name) + "_info";
    auto& family = b.family(name, help_for(d), MetricType::kGauge, "");
    b.text(family, name, d);
    return;
  }
  const SysringName n = sysring_name(d, clock_ticks, page_size);
  auto& family = b.family(n.name, help_for(d),
                          n.cumulative ? MetricType::kCounter : MetricType::kGauge, n.unit);
  const ValueRef ref{.family = &d, .scale = n.scale};
  if (d.domain == InstanceDomain::None) {
    b.scalar(family, n.name, {}, ref);
  } else {
    b.per_instance(family, n.name, {}, ref);
  }
}

}  // namespace

bool rarely_changes(const Descriptor& d) {
  return d.effective_pattern == AccessPattern::Static ||
         d.effective_pattern == AccessPattern::Constrained;
}

std::size_t plan_sysring_families(PlanBuilder& b) {
  const bool pmc = b.config().on("pmc");
  const bool rest = b.config().on("sysring");
  const double clock_ticks = b.number("kern.clock_ticks").value_or(100.0);
  const double page_size = b.number("hw.page_size").value_or(4096.0);
  // Families read every tick first, then the settings and facts that rarely change, so that the
  // latter fill gzip chunks of their own that are compressed once and reused (chunked_gzip.hpp).
  std::size_t settled_from = 0;
  for (const bool settled : {false, true}) {
    if (settled) settled_from = b.family_count();
    for (const auto& d : b.client().descriptors()) {
      if (!d.available || b.consumed(d.id) || rarely_changes(d) != settled) continue;
      plan_one(b, d, pmc, rest, clock_ticks, page_size);
    }
  }
  return settled_from;
}

}  // namespace sysring::exporter
