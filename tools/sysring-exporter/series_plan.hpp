// What one scrape writes, decided once per segment and instance directory: every family's
// headers in both formats and, per sample, the text before its value and where the value lives
// in the value table. Rendering a tick is then a walk over this plan and one copy of the table
// (Client::read_all): no name lookups, no label formatting, no allocation once warm.
//
// The plan holds pointers into the Client's descriptors and domains and the directory it was
// built from; it is rebuilt whenever the segment (epoch) or the directory generation changes.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "exposition.hpp"
#include "sysring/client.hpp"

namespace sysring::exporter {

// Where a sample's value comes from and how it becomes the exported number.
struct ValueRef {
  enum class Kind : std::uint8_t {
    kNumber,          // a scalar or an instance cell, as a number
    kCounterEnabled,  // a counter's time enabled (ns)
    kCounterRunning,  // a counter's time running (ns)
    kEquals,          // 1 when the number equals `parameter`, else 0 (e.g. operstate == up)
    kText,            // a string metric: the sample is `prefix + escaped text + suffix`
  };
  Kind kind = Kind::kNumber;
  const Descriptor* family = nullptr;
  const DomainInfo* domain = nullptr;   // nullptr for a scalar
  std::uint32_t row = 0;                // the instance's row (0 for a scalar)
  std::uint64_t live_registration = 0;  // what the row's registration word must hold
  double scale = 1.0;                   // exported = value * scale + offset
  double offset = 0.0;
  double parameter = 0.0;  // kEquals
  bool skip_zero = false;  // omit the sample when its value is 0
};

struct PlannedSample {
  std::string prefix;  // `name{labels} `, or for kText `name{...,value="`
  ValueRef ref;
};

struct PlannedFamily {
  std::array<std::string, kFormatCount> headers;  // HELP/TYPE(/UNIT) lines per format
  std::vector<PlannedSample> samples;
  bool starts_chunk = false;  // a gzip chunk (chunked_gzip.hpp) begins with this family
  std::uint32_t changes = 0;  // renders (of those compared) in which its text changed
};

// Where a family's text lay in a rendered body (empty when it was left out).
struct TextRange {
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

struct SeriesPlan {
  std::uint64_t epoch = 0;
  std::uint64_t directory_generation = 0;
  std::shared_ptr<const InstanceDirectory> directory;
  std::vector<PlannedFamily> families;
  std::size_t sample_count = 0;
  std::uint64_t serial = 0;  // changes whenever families are added or reordered
};

// Appends every family of `plan` with at least one readable sample to `out`. Samples whose cell
// is not kOk, or whose row no longer holds the planned instance, are left out; the return value
// is false when such a row was found (the directory moved on: rebuild the plan). The offset in
// `out` where each gzip chunk ends is appended to `chunk_ends`.
bool render_plan(const SeriesPlan& plan, const Client& client, const ValueSnapshot& snapshot,
                 Format format, std::string& out, std::vector<std::size_t>& chunk_ends,
                 std::vector<TextRange>& family_text);

// Marks where gzip chunks begin: every ~`chunk_bytes` of expected text from family
// `whole_until` on (the families before it form one chunk), and at `forced` family indexes
// (where families that change every tick give way to ones that rarely do).
void mark_chunks(SeriesPlan& plan, std::size_t chunk_bytes, std::span<const std::size_t> forced,
                 std::size_t whole_until = 0);

// Counts, family by family, whether two consecutive renders of the same plan differ.
void count_changes(SeriesPlan& plan, std::string_view before,
                   std::span<const TextRange> before_ranges, std::string_view after,
                   std::span<const TextRange> after_ranges);

// Orders the families: those that never changed over the compared renders first, in gzip
// chunks of about `chunk_bytes` (compressed once, then reused), those that did last, unchunked,
// so that they fall in the gzip tail that is compressed on every render (chunked_gzip.hpp).
// Otherwise keeps their order. Bumps the plan's serial.
void order_by_change(SeriesPlan& plan, std::size_t chunk_bytes);

}  // namespace sysring::exporter
