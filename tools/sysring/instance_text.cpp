#include "instance_text.hpp"

#include "selector.hpp"

namespace sysring::cli {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The run of digits starting at `at`, leading zeros dropped (so "007" counts as "7").
std::string_view digit_run(std::string_view text, std::size_t& at) {
  const std::size_t start = at;
  while (at < text.size() && is_digit(text[at])) ++at;
  std::string_view run = text.substr(start, at - start);
  while (run.size() > 1 && run.front() == '0') run.remove_prefix(1);
  return run;
}

}  // namespace

void append_quoted_label_value(std::string& out, std::string_view value) {
  out += '"';
  for (const char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  out += '"';
}

std::string labels_text(const std::vector<InstanceLabel>& labels) {
  std::string out = "{";
  for (const InstanceLabel& label : labels) {
    if (out.size() > 1) out += ',';
    out += label.key;
    out += '=';
    append_quoted_label_value(out, label.value);
  }
  out += '}';
  return out;
}

namespace {
// The labels that tell an instance apart in its domain; the others (an interface's address,
// a disk's serial) describe it and are shown by `sysring instances` and in JSON.
bool identifies(std::string_view key) {
  constexpr std::string_view kIdentity[] = {"cpu",        "device", "fstype",
                                            "mountpoint", "node",   "cgroup"};
  for (const auto k : kIdentity) {
    if (k == key) return true;
  }
  return false;
}
}  // namespace

std::string value_name(std::string_view family, std::string_view instance,
                       const std::vector<InstanceLabel>& labels) {
  std::string out(family);
  std::vector<InstanceLabel> identity;
  for (const auto& label : labels) {
    if (identifies(label.key)) identity.push_back(label);
  }
  if (!identity.empty()) return out + labels_text(identity);
  out += '{';
  out += kInstanceLabel;
  out += '=';
  append_quoted_label_value(out, instance);
  out += '}';
  return out;
}

void write_labels_json(JsonWriter& json, const std::vector<InstanceLabel>& labels) {
  json.key("labels").begin_object();
  for (const InstanceLabel& label : labels) json.field(label.key, label.value);
  json.end_object();
}

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      const std::string_view x = digit_run(a, i);
      const std::string_view y = digit_run(b, j);
      if (x.size() != y.size()) return x.size() < y.size();
      if (x != y) return x < y;
      continue;
    }
    if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

}  // namespace sysring::cli
