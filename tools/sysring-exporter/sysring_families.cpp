#include "sysring_families.hpp"

#include <array>
#include <deque>

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

// Performance counters: three families per scope (per CPU, or summed over all CPUs), one
// sample per event, so one HELP serves every event and PromQL divides them by label, e.g. IPC
// as rate(...{event="instructions"}) / ignoring(event) rate(...{event="cycles"}).
class CounterFamilies {
 public:
  CounterFamilies(PlanBuilder& b, bool per_cpu) : b_(b), per_cpu_(per_cpu) {}

  void add(const Descriptor& d) {
    if (families_[0] == nullptr) start();
    const std::string_view prefix = per_cpu_ ? "pmc." : "pmc.all.";
    std::string_view event = d.name;
    if (event.starts_with(prefix)) event.remove_prefix(prefix.size());
    events_.emplace_back(event);  // the label views below must outlive planning: kept here
    const LabelPair labels[] = {{"event", events_.back()}};
    const ValueRef::Kind kinds[] = {ValueRef::Kind::kNumber, ValueRef::Kind::kCounterEnabled,
                                    ValueRef::Kind::kCounterRunning};
    for (std::size_t k = 0; k < 3; ++k) {
      const ValueRef ref{.kind = kinds[k], .family = &d, .scale = k == 0 ? 1.0 : 1e-9};
      if (per_cpu_) {
        b_.per_instance(*families_[k], names_[k], labels, ref);
      } else {
        b_.scalar(*families_[k], names_[k], labels, ref);
      }
    }
  }

 private:
  void start() {
    const std::string base = per_cpu_ ? "sysring_pmc" : "sysring_pmc_all";
    const std::string scope = per_cpu_ ? "on each CPU" : "summed over all CPUs";
    names_ = {base + "_events_total", base + "_enabled_seconds_total",
              base + "_running_seconds_total"};
    families_[0] = &b_.family(names_[0],
                              "Performance counter events " + scope +
                                  ", raw counts since the broker opened them (event: the "
                                  "registry's counter name; sysring list shows what it counts)",
                              MetricType::kCounter, "");
    families_[1] = &b_.family(names_[1],
                              "Seconds each counter " + scope +
                                  " was enabled (running / enabled is its multiplexing share)",
                              MetricType::kCounter, "seconds");
    families_[2] = &b_.family(names_[2], "Seconds each counter " + scope + " was counting",
                              MetricType::kCounter, "seconds");
  }

  PlanBuilder& b_;
  bool per_cpu_;
  std::array<std::string, 3> names_;
  std::array<PlannedFamily*, 3> families_{};
  std::deque<std::string> events_;
};

void plan_one(PlanBuilder& b, const Descriptor& d, bool rest, double clock_ticks,
              double page_size) {
  if (!rest || d.type == ValueType::Counter) return;
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
  if (pmc) {
    for (const bool per_cpu : {true, false}) {
      CounterFamilies counters(b, per_cpu);
      for (const auto& d : b.client().descriptors()) {
        const bool cpu_domain = d.domain == InstanceDomain::Cpu;
        if (d.available && d.type == ValueType::Counter && cpu_domain == per_cpu) counters.add(d);
      }
    }
  }
  std::size_t settled_from = 0;
  for (const bool settled : {false, true}) {
    if (settled) settled_from = b.family_count();
    for (const auto& d : b.client().descriptors()) {
      if (!d.available || b.consumed(d.id) || rarely_changes(d) != settled) continue;
      plan_one(b, d, rest, clock_ticks, page_size);
    }
  }
  return settled_from;
}

}  // namespace sysring::exporter
