#include "schedule_config.hpp"

#include <boost/property_tree/ini_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <fstream>

#include "sysring/errno_text.hpp"

namespace sysring::broker {
namespace pt = boost::property_tree;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

[[noreturn]] void fail(std::string_view file, std::string_view section, const std::string& why) {
  throw ScheduleConfigError(std::string(file) + ": [" + std::string(section) + "]: " + why);
}

schema::AccessPattern parse_pattern(std::string_view file, std::string_view section,
                                    const std::string& value) {
  const std::string v = lower(value);
  if (v == "static") return schema::AccessPattern::Static;
  if (v == "polled") return schema::AccessPattern::Polled;
  if (v == "constrained") return schema::AccessPattern::Constrained;
  if (v == "dynamic") return schema::AccessPattern::Dynamic;
  if (v == "disabled") return schema::AccessPattern::Disabled;
  fail(file, section,
       "pattern must be polled, constrained, static, disabled or dynamic, not '" + value + "'");
}

std::uint32_t parse_ttl(std::string_view file, std::string_view section, const std::string& value) {
  std::uint32_t v = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, v);
  if (value.empty() || ec != std::errc{} || ptr != end || v == 0 || v > kMaxTtlMs) {
    fail(file, section,
         "ttl_ms must be whole milliseconds from 1 to " + std::to_string(kMaxTtlMs) + ", not '" +
             value + "'");
  }
  return v;
}

Override parse_section(std::string_view file, const std::string& section, const pt::ptree& keys) {
  Override o;
  o.section = section;
  for (const auto& [key, node] : keys) {
    if (!node.empty()) fail(file, section, "unexpected nested key '" + key + "'");
    if (key == "pattern") {
      o.pattern = parse_pattern(file, section, node.data());
    } else if (key == "ttl_ms") {
      o.ttl_ms = parse_ttl(file, section, node.data());
    } else {
      fail(file, section, "unknown key '" + key + "' (known: pattern, ttl_ms)");
    }
  }
  return o;
}

}  // namespace

ScheduleOverrides parse_schedule_config(std::istream& in, std::string_view file) {
  pt::ptree tree;
  try {
    pt::read_ini(in, tree);
  } catch (const pt::ini_parser_error& e) {
    throw ScheduleConfigError(std::string(file) + ":" + std::to_string(e.line()) + ": " +
                              e.message());
  }
  ScheduleOverrides out;
  out.file = file;
  for (const auto& [section, keys] : tree) {
    // read_ini drops empty sections, so a childless node is a key written before any section.
    if (keys.empty()) {
      throw ScheduleConfigError(std::string(file) + ": key '" + section +
                                "' outside a [metric.NAME], [category.NAME], "
                                "[instances.DOMAIN] or [requests] section");
    }
    const std::string_view s = section;
    if (s.starts_with("metric.") && s.size() > 7) {
      out.metrics.emplace(std::string(s.substr(7)), parse_section(file, section, keys));
    } else if (s.starts_with("category.") && s.size() > 9) {
      out.categories.emplace(std::string(s.substr(9)), parse_section(file, section, keys));
    } else if (s.starts_with("instances.") && s.size() > 10) {
      InstanceSection& keys_out = out.instances[std::string(s.substr(10))];
      for (const auto& [key, node] : keys) {
        if (!node.empty()) fail(file, section, "unexpected nested key '" + key + "'");
        keys_out[key] = node.data();
      }
    } else if (s == "requests") {
      InstanceSection& keys_out = out.requests.emplace();
      for (const auto& [key, node] : keys) {
        if (!node.empty()) fail(file, section, "unexpected nested key '" + key + "'");
        keys_out[key] = node.data();
      }
    } else {
      fail(file, section,
           "unknown section (expected [metric.NAME], [category.NAME], [instances.DOMAIN] or "
           "[requests])");
    }
  }
  return out;
}

ScheduleOverrides load_schedule_config(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ScheduleConfigError(path + ": cannot open: " + errno_text(errno));
  return parse_schedule_config(in, path);
}

}  // namespace sysring::broker
