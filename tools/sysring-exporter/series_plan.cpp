#include "series_plan.hpp"

#include <algorithm>

namespace sysring::exporter {
namespace {

void append_text_sample(std::string& out, const PlannedSample& sample, std::string_view text) {
  out += sample.prefix;
  for (const char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  out += "\"} 1\n";
}

// The sample's number, or false when it must be left out.
bool sample_value(const ValueRef& ref, const ValueSnapshot& snapshot, bool& row_moved,
                  double& value) {
  if (ref.domain != nullptr &&
      snapshot.registration(*ref.domain, ref.row) != ref.live_registration) {
    row_moved = true;
    return false;
  }
  if (ref.kind == ValueRef::Kind::kCounterEnabled || ref.kind == ValueRef::Kind::kCounterRunning) {
    CounterTotals totals;
    if (snapshot.counter(*ref.family, ref.row, totals) != ReadStatus::kOk) return false;
    const auto ns = ref.kind == ValueRef::Kind::kCounterEnabled ? totals.time_enabled_ns
                                                                : totals.time_running_ns;
    value = static_cast<double>(ns) * ref.scale + ref.offset;
    return true;
  }
  Scalar scalar;
  if (snapshot.scalar(*ref.family, ref.row, scalar) != ReadStatus::kOk) return false;
  const double number = scalar.as_number();
  if (ref.kind == ValueRef::Kind::kEquals) {
    value = number == ref.parameter ? 1.0 : 0.0;
    return true;
  }
  value = number * ref.scale + ref.offset;
  return !(ref.skip_zero && value == 0.0);
}

}  // namespace

bool render_plan(const SeriesPlan& plan, const Client& client, const ValueSnapshot& snapshot,
                 Format format, std::string& out, std::vector<std::size_t>& chunk_ends) {
  bool row_moved = false;
  const auto header_index = static_cast<std::size_t>(format);
  for (const auto& family : plan.families) {
    if (family.starts_chunk && (chunk_ends.empty() || chunk_ends.back() < out.size())) {
      chunk_ends.push_back(out.size());
    }
    // The header goes out with the family's first readable sample, so a family with none
    // (all unavailable here) is left out entirely, as node_exporter leaves it out.
    bool header_written = false;
    for (const auto& sample : family.samples) {
      if (sample.ref.kind == ValueRef::Kind::kText) {
        Text text;
        if (client.read_text(sample.ref.family->id, text) != ReadStatus::kOk) continue;
        if (!header_written) out += family.headers[header_index];
        header_written = true;
        append_text_sample(out, sample, text.view());
        continue;
      }
      double value = 0;
      if (!sample_value(sample.ref, snapshot, row_moved, value)) continue;
      if (!header_written) out += family.headers[header_index];
      header_written = true;
      out += sample.prefix;
      append_value(out, value);
    }
  }
  return !row_moved;
}

void mark_chunks(SeriesPlan& plan, std::size_t chunk_bytes, std::span<const std::size_t> forced) {
  constexpr std::size_t kValueBytes = 12;  // a typical value and newline
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < plan.families.size(); ++i) {
    auto& family = plan.families[i];
    const bool force = std::find(forced.begin(), forced.end(), i) != forced.end();
    family.starts_chunk = i > 0 && (bytes >= chunk_bytes || force);
    if (family.starts_chunk) bytes = 0;
    bytes += family.headers[0].size();
    for (const auto& sample : family.samples) bytes += sample.prefix.size() + kValueBytes;
  }
}

}  // namespace sysring::exporter
