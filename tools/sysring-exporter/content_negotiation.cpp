#include "content_negotiation.hpp"

#include <optional>

namespace sysring::exporter {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// One comma-separated element: its value and parameters.
struct Element {
  std::string_view value;
  double q = 1.0;
  std::string_view version;
};

// A qvalue (RFC 9110 12.4.2): "0" or "1", then optionally "." and up to three digits, at most
// 1. Anything else counts as 1 (lenient, as the Go libraries scrapers are tested against).
double parse_q(std::string_view text) {
  if (text.empty() || (text[0] != '0' && text[0] != '1')) return 1.0;
  double q = text[0] == '1' ? 1.0 : 0.0;
  if (text.size() == 1) return q;
  if (text[1] != '.' || text.size() > 5) return 1.0;
  double scale = 0.1;
  for (const char c : text.substr(2)) {
    if (c < '0' || c > '9') return 1.0;
    q += (c - '0') * scale;
    scale /= 10;
  }
  return q > 1.0 ? 1.0 : q;
}

Element parse_element(std::string_view element) {
  Element out;
  std::size_t semi = element.find(';');
  out.value = trim(element.substr(0, semi));
  while (semi != std::string_view::npos) {
    const std::size_t next = element.find(';', semi + 1);
    const std::string_view param = trim(element.substr(semi + 1, next - semi - 1));
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos) {
      const std::string_view key = trim(param.substr(0, eq));
      std::string_view val = trim(param.substr(eq + 1));
      if (val.size() >= 2 && val.front() == '"' && val.back() == '"') {
        val = val.substr(1, val.size() - 2);
      }
      if (iequals(key, "q")) out.q = parse_q(val);
      if (iequals(key, "version")) out.version = val;
    }
    semi = next;
  }
  return out;
}

template <typename Visit>
void for_each_element(std::string_view header, Visit visit) {
  while (!header.empty()) {
    const std::size_t comma = header.find(',');
    const std::string_view element = header.substr(0, comma);
    if (!trim(element).empty()) visit(parse_element(element));
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
}

}  // namespace

Format negotiate_format(std::string_view accept) {
  double openmetrics_q = 0;
  double text_q = 0;
  for_each_element(accept, [&](const Element& e) {
    if (iequals(e.value, "application/openmetrics-text")) {
      // Only 1.0.0 is served; an unversioned range means the newest, 1.0.0 too.
      if (e.version.empty() || e.version == "1.0.0") openmetrics_q = std::max(openmetrics_q, e.q);
    } else if (iequals(e.value, "text/plain")) {
      text_q = std::max(text_q, e.q);
    }
  });
  return openmetrics_q > 0 && openmetrics_q >= text_q ? Format::kOpenMetrics
                                                      : Format::kPrometheusText;
}

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<double> gzip_q;
  std::optional<double> any_q;
  for_each_element(accept_encoding, [&](const Element& e) {
    if (iequals(e.value, "gzip") || iequals(e.value, "x-gzip")) gzip_q = e.q;
    if (e.value == "*") any_q = e.q;
  });
  if (gzip_q) return *gzip_q > 0;
  return any_q && *any_q > 0;
}

}  // namespace sysring::exporter
