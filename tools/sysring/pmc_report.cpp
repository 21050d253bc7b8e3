#include "pmc_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "format.hpp"
#include "json_writer.hpp"
#include "table.hpp"

namespace sysring::cli {
namespace {

std::string fixed(double value, int decimals) {
  char buf[48];
  (void)std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string percent(const std::optional<double>& share) {
  return share ? fixed(*share * 100.0, 2) + "%" : "-";
}

// The smallest running share among valid events: below 100% the kernel multiplexed.
std::optional<double> counted_share(const CounterRates& r) {
  std::optional<double> share;
  for (const CounterChange& c : r.changes) {
    if (c.valid) share = std::min(share.value_or(1.0), c.running_share);
  }
  return share;
}

}  // namespace

std::string format_rate(double per_second) {
  static constexpr const char* kSuffix[] = {"", "k", "M", "G", "T"};
  double v = per_second;
  std::size_t i = 0;
  while (std::fabs(v) >= 1000.0 && i + 1 < std::size(kSuffix)) {
    v /= 1000.0;
    ++i;
  }
  return fixed(v, i == 0 ? 0 : 2) + kSuffix[i];
}

std::string pmc_table(const std::vector<ScopeRates>& scopes) {
  if (scopes.empty()) return "";
  // Every event any scope has, in the order they first appear.
  std::vector<std::string> events;
  for (const ScopeRates& s : scopes) {
    for (const CounterChange& c : s.rates.changes) {
      if (std::find(events.begin(), events.end(), c.event) == events.end()) {
        events.push_back(c.event);
      }
    }
  }
  const auto has = [&](const char* event) {
    return std::find(events.begin(), events.end(), event) != events.end();
  };
  const bool has_ipc = has("instructions") && has("cycles");
  const bool has_branch = has("branch_misses") && has("branches");
  const bool has_cache = has("cache_misses") && has("cache_references");

  std::vector<std::string> headers{"CPU"};
  for (const std::string& e : events) headers.push_back(printable(e) + "/s");
  if (has_ipc) headers.emplace_back("IPC");
  if (has_branch) headers.emplace_back("BR-MISS");
  if (has_cache) headers.emplace_back("CACHE-MISS");
  headers.emplace_back("COUNTED");
  Table table(headers);
  for (std::size_t i = 1; i < headers.size(); ++i) table.align_right(i);

  for (const ScopeRates& s : scopes) {
    std::vector<std::string> row{printable(s.scope)};
    for (const std::string& e : events) {
      const CounterChange* c = s.rates.find(e);
      row.push_back(c != nullptr && c->valid ? format_rate(c->per_second) : "-");
    }
    if (has_ipc) row.push_back(s.rates.ipc ? fixed(*s.rates.ipc, 2) : "-");
    if (has_branch) row.push_back(percent(s.rates.branch_miss_rate));
    if (has_cache) row.push_back(percent(s.rates.cache_miss_rate));
    row.push_back(percent(counted_share(s.rates)));
    table.add_row(std::move(row));
  }
  return table.render();
}

std::string pmc_json(const std::string& counters_summary, const std::vector<ScopeRates>& scopes) {
  JsonWriter json;
  json.begin_object().field("type", "pmc").field("counters", counters_summary);
  json.key("scopes").begin_array();
  for (const ScopeRates& s : scopes) {
    json.begin_object().field("scope", s.scope);
    json.key("events").begin_object();
    for (const CounterChange& c : s.rates.changes) {
      json.key(c.event).begin_object().field("valid", c.valid);
      if (c.valid) {
        json.field("count", c.count)
            .field("scaled", c.scaled)
            .field("seconds", c.seconds)
            .field("per_second", c.per_second)
            .field("running_share", c.running_share);
      }
      json.end_object();
    }
    json.end_object();
    const auto ratio = [&](const char* key, const std::optional<double>& v) {
      json.key(key);
      if (v) {
        json.value(*v);
      } else {
        json.null();
      }
    };
    ratio("ipc", s.rates.ipc);
    ratio("branch_miss_rate", s.rates.branch_miss_rate);
    ratio("cache_miss_rate", s.rates.cache_miss_rate);
    json.end_object();
  }
  json.end_array().end_object();
  return json.str();
}

}  // namespace sysring::cli
