#include "requests/request_policy.hpp"

#include <grp.h>
#include <pwd.h>

#include <cctype>
#include <charconv>
#include <cstdio>
#include <memory>

#include "scheduler/schedule_config.hpp"

namespace sysring::broker::requests {
namespace {

using counters::perf::PerfEventSpec;

struct Section {
  std::string_view file;
  [[noreturn]] void fail(const std::string& why) const {
    throw ScheduleConfigError(std::string(file) + ": [requests]: " + why);
  }
};

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t");
  return std::string(s.substr(first, last - first + 1));
}

bool parse_yes_no(const Section& section, const std::string& key, const std::string& value) {
  if (value != "yes" && value != "no")
    section.fail(key + " must be yes or no, not '" + value + "'");
  return value == "yes";
}

std::uint32_t parse_count(const Section& section, const std::string& key, const std::string& value,
                          std::uint32_t max) {
  std::uint32_t v = 0;
  const char* end = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), end, v);
  if (value.empty() || ec != std::errc{} || ptr != end || v == 0 || v > max) {
    section.fail(key + " must be a whole number from 1 to " + std::to_string(max) + ", not '" +
                 value + "'");
  }
  return v;
}

struct FileClose {
  void operator()(std::FILE* f) const { (void)std::fclose(f); }
};

// The gid of group `name` in `group_file`, or -1.
long find_group(const std::string& group_file, const std::string& name) {
  std::unique_ptr<std::FILE, FileClose> db(std::fopen(group_file.c_str(), "re"));
  if (!db) return -1;
  group entry{};
  group* found = nullptr;
  std::vector<char> buf(16384);
  while (::fgetgrent_r(db.get(), &entry, buf.data(), buf.size(), &found) == 0 && found) {
    if (name == entry.gr_name) return static_cast<long>(entry.gr_gid);
  }
  return -1;
}

}  // namespace

RequestPolicy parse_request_policy(const std::map<std::string, std::string, std::less<>>* keys,
                                   std::string_view file, const std::string& group_file) {
  RequestPolicy p;
  if (keys == nullptr) return p;
  const Section section{file};
  for (const auto& [key, raw] : *keys) {
    const std::string value = trim(raw);
    if (key == "enabled") {
      p.enabled = parse_yes_no(section, key, value);
    } else if (key == "allow") {
      if (value == "all") {
        p.allow = Allow::kAll;
      } else if (value == "none") {
        p.allow = Allow::kNone;
      } else if (value.starts_with("group ") && !trim(value.substr(6)).empty()) {
        p.allow = Allow::kGroup;
        p.group_name = trim(value.substr(6));
        const long gid = find_group(group_file, p.group_name);
        if (gid < 0) section.fail("allow: no group named '" + p.group_name + "' in " + group_file);
        p.group = static_cast<gid_t>(gid);
      } else {
        section.fail("allow must be all, none or group NAME, not '" + value + "'");
      }
    } else if (key == "events") {
      if (value == "all") {
        p.all_events = true;
        p.events.clear();
        continue;
      }
      p.all_events = false;
      p.events.clear();
      std::size_t start = 0;
      while (true) {
        const std::size_t comma = value.find(',', start);
        const std::string name = trim(std::string_view(value).substr(
            start, comma == std::string::npos ? std::string::npos : comma - start));
        if (name.empty()) section.fail("events: empty event name in '" + value + "'");
        PerfEventSpec spec;
        std::string error;
        if (!counters::perf::resolve_perf_event(name, spec, error))
          section.fail("events: " + error);
        p.events.push_back(std::move(spec));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (key == "kernel") {
      p.kernel = parse_yes_no(section, key, value);
    } else if (key == "max_per_uid") {
      p.max_per_uid = parse_count(section, key, value, 65536);
    } else if (key == "max_total") {
      p.max_total = parse_count(section, key, value, 1048576);
    } else {
      section.fail("unknown key '" + key +
                   "' (known: enabled, allow, events, kernel, max_per_uid, max_total)");
    }
  }
  return p;
}

std::string describe_policy(const RequestPolicy& p) {
  std::string out;
  switch (p.allow) {
    case Allow::kAll:
      out = "allow all";
      break;
    case Allow::kGroup:
      out = "allow group " + p.group_name;
      break;
    case Allow::kNone:
      out = "allow none";
      break;
  }
  if (!p.all_events) out += ", " + std::to_string(p.events.size()) + " events";
  out += p.kernel ? ", kernel mode allowed" : ", user mode only";
  out += ", " + std::to_string(p.max_per_uid) + " per uid";
  return out;
}

bool caller_allowed(const RequestPolicy& p, uid_t uid, gid_t gid, const std::string& passwd_file,
                    const std::string& group_file) {
  switch (p.allow) {
    case Allow::kAll:
      return true;
    case Allow::kNone:
      return false;
    case Allow::kGroup:
      break;
  }
  if (gid == p.group) return true;
  // Supplementary: the caller's user name among the group's members.
  std::string user;
  {
    std::unique_ptr<std::FILE, FileClose> db(std::fopen(passwd_file.c_str(), "re"));
    if (!db) return false;
    passwd entry{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    while (::fgetpwent_r(db.get(), &entry, buf.data(), buf.size(), &found) == 0 && found) {
      if (entry.pw_uid == uid) {
        user = entry.pw_name;
        break;
      }
    }
  }
  if (user.empty()) return false;
  std::unique_ptr<std::FILE, FileClose> db(std::fopen(group_file.c_str(), "re"));
  if (!db) return false;
  group entry{};
  group* found = nullptr;
  std::vector<char> buf(16384);
  while (::fgetgrent_r(db.get(), &entry, buf.data(), buf.size(), &found) == 0 && found) {
    if (entry.gr_gid != p.group || entry.gr_mem == nullptr) continue;
    for (char** m = entry.gr_mem; *m != nullptr; ++m) {
      if (user == *m) return true;
    }
  }
  return false;
}

bool event_allowed(const RequestPolicy& p, const PerfEventSpec& event) {
  if (p.all_events) return true;
  for (const PerfEventSpec& allowed : p.events) {
    if (allowed.same_event(event)) return true;
  }
  return false;
}

}  // namespace sysring::broker::requests
