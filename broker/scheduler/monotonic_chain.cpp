#include "monotonic_chain.hpp"

#include <cctype>
#include <set>
#include <string>

namespace sysring::broker {

namespace {

using schema::AccessPattern;

// Position on the chain: a higher rank is read less often.
int rank(AccessPattern p) {
  switch (p) {
    case AccessPattern::Polled:
    case AccessPattern::Dynamic:
      return 0;
    case AccessPattern::Constrained:
      return 1;
    case AccessPattern::Static:
      return 2;
    case AccessPattern::Disabled:
      return 3;
  }
  return 3;
}

bool periodic(AccessPattern p) {
  return rank(p) <= 1;
}

std::string name_of(AccessPattern p) {
  std::string s = schema::EnumNameAccessPattern(p);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

[[noreturn]] void refuse(const ScheduleOverrides& o, const Override& from, const std::string& why) {
  throw ScheduleConfigError(o.file + ": [" + from.section + "]: " + why);
}

// A key's value and the section it came from: the metric's own section wins.
template <typename T>
struct Chosen {
  std::optional<T> value;
  const Override* from = nullptr;
};

template <typename T>
Chosen<T> choose(const Override* metric, const Override* category,
                 std::optional<T> Override::*key) {
  if (metric != nullptr && (metric->*key).has_value()) return {metric->*key, metric};
  if (category != nullptr && (category->*key).has_value()) return {category->*key, category};
  return {};
}

const Override* find(const std::map<std::string, Override, std::less<>>& m, std::string_view k) {
  const auto it = m.find(k);
  return it == m.end() ? nullptr : &it->second;
}

void check_names(std::span<const registry::RegistryEntry> entries, const ScheduleOverrides& o) {
  std::set<std::string_view> names;
  std::set<std::string_view> categories;
  for (const auto& e : entries) {
    names.insert(e.name);
    categories.insert(e.category);
  }
  for (const auto& [name, section] : o.metrics) {
    if (!names.contains(name)) refuse(o, section, "no metric named '" + name + "'");
  }
  for (const auto& [name, section] : o.categories) {
    if (!categories.contains(name)) refuse(o, section, "no category named '" + name + "'");
  }
}

Schedule resolve_one(const registry::RegistryEntry& e, const ScheduleOverrides& o) {
  const Schedule base = registry_schedule(e);
  const Override* metric = find(o.metrics, e.name);
  const Override* category = find(o.categories, e.category);
  if (metric == nullptr && category == nullptr) return base;

  const Chosen<AccessPattern> pattern = choose(metric, category, &Override::pattern);
  const Chosen<std::uint32_t> ttl = choose(metric, category, &Override::ttl_ms);
  Schedule out = base;
  if (pattern.value) {
    const AccessPattern want = *pattern.value;
    if (rank(want) < rank(base.pattern)) {
      refuse(o, *pattern.from,
             "pattern " + name_of(want) + " would read " + std::string(e.name) +
                 " more often than its registry pattern " + name_of(base.pattern) +
                 " (configuration may only lower the frequency: POLLED -> longer TTL -> "
                 "CONSTRAINED -> STATIC -> DISABLED)");
    }
    if (want == AccessPattern::Dynamic && base.pattern != AccessPattern::Dynamic) {
      refuse(o, *pattern.from,
             std::string(e.name) + " is " + name_of(base.pattern) +
                 " in the registry; only a DYNAMIC metric can be DYNAMIC");
    }
    out.pattern = want;
  }
  if (!periodic(out.pattern)) {
    // Read once or never: a TTL means nothing. Written in the metric's own section it is a
    // mistake; from its category it simply does not apply to this metric.
    if (ttl.value && ttl.from == metric) {
      refuse(o, *ttl.from,
             "ttl_ms has no meaning for a " + name_of(out.pattern) + " metric (" +
                 std::string(e.name) + ")");
    }
    out.ttl_ms = 0;
    return out;
  }
  if (ttl.value) {
    if (*ttl.value < base.ttl_ms) {
      refuse(o, *ttl.from,
             "ttl_ms " + std::to_string(*ttl.value) + " is shorter than " + std::string(e.name) +
                 "'s registry TTL of " + std::to_string(base.ttl_ms) +
                 " ms (configuration may only lower the frequency)");
    }
    out.ttl_ms = *ttl.value;
  }
  return out;
}

}  // namespace

Schedule registry_schedule(const registry::RegistryEntry& e) {
  if (!periodic(e.recommended_pattern)) return {e.recommended_pattern, 0};
  return {e.recommended_pattern, e.ttl_ms == 0 ? kDefaultTtlMs : e.ttl_ms};
}

std::vector<Schedule> resolve_schedules(std::span<const registry::RegistryEntry> entries,
                                        const ScheduleOverrides& overrides) {
  check_names(entries, overrides);
  std::vector<Schedule> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(resolve_one(e, overrides));
  return out;
}

}  // namespace sysring::broker
