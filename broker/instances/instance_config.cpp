#include "instances/instance_config.hpp"

#include <charconv>
#include <regex>

namespace sysring::broker {
namespace {

struct Key {
  const char* domain;
  const char* key;
  enum class Kind { kRegex, kPath, kMs, kDepth } kind;
};

constexpr Key kKeys[] = {
    {"disk", "device_exclude", Key::Kind::kRegex},
    {"disk", "udev_data", Key::Kind::kPath},
    {"netif", "device_exclude", Key::Kind::kRegex},
    {"filesystem", "fs_types_exclude", Key::Kind::kRegex},
    {"filesystem", "mount_points_exclude", Key::Kind::kRegex},
    {"filesystem", "statfs_timeout_ms", Key::Kind::kMs},
    {"filesystem", "statfs_inline_types", Key::Kind::kRegex},
    {"cgroup", "root", Key::Kind::kPath},
    {"cgroup", "depth", Key::Kind::kDepth},
};

[[noreturn]] void fail(const std::string& file, const std::string& domain, const std::string& why) {
  throw ScheduleConfigError(file + ": [instances." + domain + "]: " + why);
}

std::uint32_t parse_number(const std::string& file, const std::string& domain,
                           const std::string& key, const std::string& value, std::uint32_t min,
                           std::uint32_t max) {
  std::uint32_t v = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, v);
  if (value.empty() || ec != std::errc{} || ptr != end || v < min || v > max) {
    fail(file, domain,
         key + " must be a whole number from " + std::to_string(min) + " to " +
             std::to_string(max) + ", not '" + value + "'");
  }
  return v;
}

std::string* target(InstanceConfig& c, std::string_view domain, std::string_view key) {
  if (domain == "disk") return key == "udev_data" ? &c.udev_data : &c.disk_exclude;
  if (domain == "netif") return &c.netif_exclude;
  if (key == "fs_types_exclude") return &c.fs_types_exclude;
  if (key == "mount_points_exclude") return &c.mount_points_exclude;
  if (key == "statfs_inline_types") return &c.statfs_inline_types;
  return &c.cgroup_root;
}

}  // namespace

void apply_instance_sections(const ScheduleOverrides& config, InstanceConfig& out) {
  for (const auto& [domain, keys] : config.instances) {
    bool known_domain = false;
    for (const Key& k : kKeys) known_domain |= domain == k.domain;
    if (!known_domain) {
      fail(config.file, domain,
           "unknown instance domain (with settings: disk, netif, filesystem, "
           "cgroup)");
    }
    for (const auto& [key, value] : keys) {
      const Key* found = nullptr;
      std::string known;
      for (const Key& k : kKeys) {
        if (domain != k.domain) continue;
        known += (known.empty() ? "" : ", ") + std::string(k.key);
        if (key == k.key) found = &k;
      }
      if (found == nullptr)
        fail(config.file, domain, "unknown key '" + key + "' (known: " + known + ")");
      switch (found->kind) {
        case Key::Kind::kRegex:
          try {
            const std::regex compiled(value, std::regex::ECMAScript);
          } catch (const std::regex_error& e) {
            fail(config.file, domain, key + " is not a valid regular expression: " + e.what());
          }
          *target(out, domain, key) = value;
          break;
        case Key::Kind::kPath:
          if (value.empty() || value.front() != '/') {
            fail(config.file, domain, key + " must be an absolute path, not '" + value + "'");
          }
          *target(out, domain, key) = value;
          break;
        case Key::Kind::kMs:
          out.statfs_timeout_ms = parse_number(config.file, domain, key, value, 10, 600'000);
          break;
        case Key::Kind::kDepth:
          out.cgroup_depth = parse_number(config.file, domain, key, value, 1, kMaxCgroupDepth);
          break;
      }
    }
  }
}

}  // namespace sysring::broker
