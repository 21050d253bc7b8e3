#include "darwin_source_spec.hpp"

#include <charconv>

namespace sysring::broker::darwin {
namespace {

// sysctl names are dotted words; the kernel's own names use letters, digits and '_'.
bool valid_sysctl_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool word =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!word && !(c == '.' && name[i - 1] != '.')) return false;
  }
  return true;
}

ParsedDarwinSource bad(std::string_view text, std::string_view why) {
  return {{}, "bad source '" + std::string(text) + "': " + std::string(why)};
}

}  // namespace

ParsedDarwinSource parse_darwin_source(std::string_view text) {
  DarwinSource s;
  if (text.starts_with("computed:")) {
    s.kind = DarwinSource::Kind::kComputed;
    s.name = text.substr(9);
    if (s.name.empty()) return bad(text, "no formula");
    return {s, {}};
  }
  if (!text.starts_with("sysctl:")) return bad(text, "expected sysctl: or computed:");
  std::string_view rest = text.substr(7);
  const std::size_t colon = rest.find(':');
  s.name = rest.substr(0, colon);
  if (!valid_sysctl_name(s.name)) return bad(text, "not a sysctl name");
  if (colon == std::string_view::npos) return {s, {}};

  const std::string_view sel = rest.substr(colon + 1);
  if (sel.size() >= 3 && sel.front() == '[' && sel.back() == ']') {
    const std::string_view digits = sel.substr(1, sel.size() - 2);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), s.index);
    if (ec != std::errc{} || end != digits.data() + digits.size() || s.index > 63) {
      return bad(text, "array index must be 0..63");
    }
    s.kind = DarwinSource::Kind::kElement;
    return {s, {}};
  }
  if (sel.empty() || sel.find(':') != std::string_view::npos || !valid_sysctl_name(sel) ||
      sel.find('.') != std::string_view::npos) {
    return bad(text, "expected a field name or [N] after the sysctl name");
  }
  s.kind = DarwinSource::Kind::kField;
  s.field = sel;
  return {s, {}};
}

}  // namespace sysring::broker::darwin
