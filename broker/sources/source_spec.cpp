#include "source_spec.hpp"

#include <cstdint>
#include <limits>

namespace sysring::broker {
namespace {

// Splits off everything before the first ':'; `rest` keeps what follows (empty if no ':').
std::string_view next_part(std::string_view& rest) {
  const std::size_t colon = rest.find(':');
  const std::string_view part = rest.substr(0, colon);
  rest.remove_prefix(colon == std::string_view::npos ? rest.size() : colon + 1);
  return part;
}

bool is_key(std::string_view key) {
  return !key.empty() && key.find_first_of(" \t\n\r\v\f:") == std::string_view::npos;
}

// A relative path that cannot leave /proc/sys: plain names joined by single '/'.
bool is_sysctl_path(std::string_view path) {
  if (path.empty()) return false;
  std::string_view rest = path;
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view part = rest.substr(0, slash);
    if (part.empty() || part == "." || part == "..") return false;
    for (const char c : part) {
      const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
      if (!plain) return false;
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
    if (rest.empty()) return false;  // trailing '/'
  }
  return true;
}

bool parse_field(std::string_view text, std::size_t& field) {
  std::uint64_t value = 0;
  if (procfs::parse_u64(text, value) != procfs::DecodeStatus::kOk ||
      value >= std::numeric_limits<std::size_t>::max())  // max is kWholeField
    return false;
  field = static_cast<std::size_t>(value);
  return true;
}

}  // namespace

ParsedSource parse_source(std::string_view source) {
  ParsedSource out;
  auto fail = [&](std::string_view why) {
    out.error = "bad source '";
    out.error.append(source).append("': ").append(why);
    return out;
  };
  if (source.ends_with(':')) return fail("trailing ':'");
  std::string_view rest = source;
  const std::string_view kind = next_part(rest);
  SourceSpec& spec = out.spec;

  if (kind == "meminfo" || kind == "vmstat" || kind == "loadavg") {
    spec.format = kind == "meminfo"  ? procfs::Format::kMeminfo
                  : kind == "vmstat" ? procfs::Format::kKeyValue
                                     : procfs::Format::kLoadavg;
    spec.path = kind;
    spec.key = rest;
    if (!is_key(spec.key)) return fail("expected " + std::string(kind) + ":KEY");
  } else if (kind == "stat") {
    spec.format = procfs::Format::kKeyValue;
    spec.path = "stat";
    spec.key = next_part(rest);
    if (!is_key(spec.key)) return fail("expected stat:KEY[:FIELD]");
    if (!rest.empty() && !parse_field(rest, spec.field)) return fail("bad field index");
  } else if (kind == "uptime") {
    spec.format = procfs::Format::kWhole;
    spec.path = "uptime";
    if (!parse_field(rest, spec.field)) return fail("expected uptime:FIELD");
  } else if (kind == "sockstat" || kind == "sockstat6") {
    spec.format = procfs::Format::kSockstat;
    spec.path = "net/";
    spec.path.append(kind);
    spec.group = next_part(rest);
    spec.key = rest;
    if (!is_key(spec.group) || !is_key(spec.key))
      return fail("expected " + std::string(kind) + ":PROTOCOL:NAME");
  } else if (kind == "snmp" || kind == "netstat" || kind == "snmp6") {
    spec.format = kind == "snmp6" ? procfs::Format::kSnmp6 : procfs::Format::kSnmp;
    spec.path = "net/";
    spec.path.append(kind);
    spec.group = next_part(rest);
    spec.key = rest;
    if (!is_key(spec.group) || !is_key(spec.key))
      return fail("expected " + std::string(kind) + ":PROTOCOL:FIELD");
  } else if (kind == "pressure") {
    spec.format = procfs::Format::kPressure;
    const std::string_view resource = next_part(rest);
    spec.group = next_part(rest);
    spec.key = rest;
    if (resource != "cpu" && resource != "memory" && resource != "io" && resource != "irq")
      return fail("expected pressure:cpu|memory|io|irq:some|full:NAME");
    if (spec.group != "some" && spec.group != "full") return fail("line must be some or full");
    if (spec.key != "avg10" && spec.key != "avg60" && spec.key != "avg300" && spec.key != "total")
      return fail("name must be avg10, avg60, avg300 or total");
    spec.path = "pressure/";
    spec.path.append(resource);
  } else if (kind == "sysfs") {
    spec.root = SourceRoot::kSys;
    const std::string_view path = next_part(rest);
    if (!is_sysctl_path(path)) return fail("expected sysfs:a/relative/path[:FIELD|:size|:cpulist]");
    if (rest == "size") {
      spec.format = procfs::Format::kSize;
    } else if (rest == "cpulist") {
      spec.format = procfs::Format::kCpuList;
    } else {
      spec.format = procfs::Format::kWhole;
      if (!rest.empty() && !parse_field(rest, spec.field)) return fail("bad field index");
    }
    spec.path = path;
  } else if (kind == "sysctl") {
    spec.format = procfs::Format::kWhole;
    const std::string_view path = next_part(rest);
    if (!is_sysctl_path(path)) return fail("expected sysctl:a/relative/path[:FIELD]");
    if (!rest.empty() && !parse_field(rest, spec.field)) return fail("bad field index");
    spec.path = "sys/";
    spec.path.append(path);
  } else {
    return fail("unknown kind '" + std::string(kind) + "'");
  }
  return out;
}

}  // namespace sysring::broker
