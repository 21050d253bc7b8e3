#include "series_plan.hpp"

#include <algorithm>

namespace sysring::exporter {
namespace {

void append_text_sample(std::string& out, const PlannedSample& sample, std::string_view text) {
  out += sample.prefix;
  append_escaped_label_value(out, text);
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
                 Format format, std::string& out, std::vector<std::size_t>& chunk_ends,
                 std::vector<TextRange>& family_text) {
  bool row_moved = false;
  const auto header_index = static_cast<std::size_t>(format);
  family_text.resize(plan.families.size());
  for (std::size_t index = 0; index < plan.families.size(); ++index) {
    const auto& family = plan.families[index];
    family_text[index].begin = static_cast<std::uint32_t>(out.size());
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
    family_text[index].end = static_cast<std::uint32_t>(out.size());
  }
  return !row_moved;
}

void mark_chunks(SeriesPlan& plan, std::size_t chunk_bytes, std::span<const std::size_t> forced,
                 std::size_t whole_until) {
  constexpr std::size_t kValueBytes = 12;  // a typical value and newline
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < plan.families.size(); ++i) {
    auto& family = plan.families[i];
    const bool force = std::find(forced.begin(), forced.end(), i) != forced.end();
    family.starts_chunk = i > 0 && (force || (bytes >= chunk_bytes && i >= whole_until));
    if (family.starts_chunk) bytes = 0;
    bytes += family.headers[0].size();
    for (const auto& sample : family.samples) bytes += sample.prefix.size() + kValueBytes;
  }
}

void count_changes(SeriesPlan& plan, std::string_view before,
                   std::span<const TextRange> before_ranges, std::string_view after,
                   std::span<const TextRange> after_ranges) {
  const std::size_t n = plan.families.size();
  if (before_ranges.size() != n || after_ranges.size() != n) return;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& b = before_ranges[i];
    const auto& a = after_ranges[i];
    if (before.substr(b.begin, b.end - b.begin) != after.substr(a.begin, a.end - a.begin)) {
      ++plan.families[i].changes;
    }
  }
}

void order_by_change(SeriesPlan& plan, std::size_t chunk_bytes) {
  // Families that never changed first, in chunks of about `chunk_bytes`; every family that
  // changed at all goes last, into the tail. (A middle group of families that change now and
  // then, in small chunks of their own, measured slower: each small chunk that did change paid
  // for Huffman tables of its own, and libdeflate compresses the tail faster and smaller.)
  const auto changing = [](const PlannedFamily& f) { return f.changes > 0; };
  std::stable_partition(plan.families.begin(), plan.families.end(),
                        [&](const PlannedFamily& f) { return !changing(f); });
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < plan.families.size(); ++i) {
    auto& f = plan.families[i];
    const bool first_changing = changing(f) && (i == 0 || !changing(plan.families[i - 1]));
    f.starts_chunk = i > 0 && (first_changing || (!changing(f) && bytes >= chunk_bytes));
    if (f.starts_chunk) bytes = 0;
    bytes += f.headers[0].size();
    for (const auto& sample : f.samples) bytes += sample.prefix.size() + 12;
  }
  ++plan.serial;
}

}  // namespace sysring::exporter
