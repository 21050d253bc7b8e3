#include "segment_validator.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <string>
#include <unordered_set>

#include "descriptors_generated.h"
#include "sysring/error.hpp"

namespace sysring::detail {
namespace {

[[noreturn]] void bad(const std::string& what) {
  throw Error(ErrorCode::kBadSegment, "corrupt or foreign segment: " + what);
}

// off + len within size, with no overflow.
bool within(std::uint64_t off, std::uint64_t len, std::uint64_t size) {
  return off <= size && len <= size - off;
}

std::string octal(mode_t mode) {
  char buf[8];
  (void)std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Linux reports a POSIX shm object as a regular file. macOS fstat gives a shm object only its
// permission bits, no file type (darwin-facts §6), so there the type must be 0 or regular.
bool is_shm_object(mode_t mode) {
#ifdef __APPLE__
  return (mode & S_IFMT) == 0 || S_ISREG(mode);
#else
  return S_ISREG(mode);
#endif
}

}  // namespace

void check_file_policy(const struct stat& st, std::optional<uid_t> expected_owner) {
  if (!is_shm_object(st.st_mode)) bad("not a regular shared-memory object");
  const bool owner_ok =
      expected_owner ? st.st_uid == *expected_owner : (st.st_uid == 0 || st.st_uid == ::getuid());
  if (!owner_ok) {
    throw Error(ErrorCode::kForeignOwner,
                "segment is owned by uid " + std::to_string(st.st_uid) +
                    (expected_owner ? ", expected uid " + std::to_string(*expected_owner)
                                    : ", expected root or uid " + std::to_string(::getuid())) +
                    "; refusing it (another user may have squatted the name)");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    throw Error(ErrorCode::kInsecureMode,
                "segment mode " + octal(st.st_mode) + " lets other users write it; refusing it");
  }
  if (st.st_size < static_cast<off_t>(sizeof(layout::Header))) {
    bad("truncated: " + std::to_string(st.st_size) + " bytes, smaller than the header");
  }
  if (static_cast<std::uint64_t>(st.st_size) > layout::kMaxSegmentBytes) {
    bad("implausible size " + std::to_string(st.st_size) + " bytes");
  }
}

void check_identity(const layout::HeaderFixed& h) {
  if (h.magic != layout::kMagic) bad("wrong magic number (not a sysring segment)");
  if (h.major != layout::kMajorVersion) {
    throw Error(ErrorCode::kVersion, "segment layout version " + std::to_string(h.major) + "." +
                                         std::to_string(h.minor) + " is not supported (this " +
                                         "library reads major version " +
                                         std::to_string(layout::kMajorVersion) + ")");
  }
}

SegmentLayout check_header(const layout::HeaderFixed& h, std::uint64_t mapped_size) {
  check_identity(h);
  if (h.broker_pid == 0 || h.broker_pid > static_cast<std::uint32_t>(INT32_MAX)) {
    bad("broker pid " + std::to_string(h.broker_pid) + " cannot name a process");
  }
  if (h.header_size != sizeof(layout::Header)) bad("header size " + std::to_string(h.header_size));
  if (h.total_size != mapped_size) {
    bad("header says " + std::to_string(h.total_size) + " bytes but the object has " +
        std::to_string(mapped_size));
  }
  if (h.section_count == 0 || h.section_count > layout::kMaxSections) {
    bad("section count " + std::to_string(h.section_count));
  }
  if (h.value_slot_size != sizeof(layout::ValueSlot)) {
    bad("value slot size " + std::to_string(h.value_slot_size));
  }
  if (h.value_slot_count == 0 || h.value_slot_count > 65536) {
    bad("value slot count " + std::to_string(h.value_slot_count));
  }
  if (!layout::is_power_of_two(h.ring_slot_count) || h.ring_slot_count > layout::kMaxRingSlots) {
    bad("ring slot count " + std::to_string(h.ring_slot_count));
  }
  if (!layout::is_power_of_two(h.ring_slot_size) || h.ring_slot_size < layout::kMinRingSlotSize ||
      h.ring_slot_size > layout::kMaxRingSlotSize) {
    bad("ring slot size " + std::to_string(h.ring_slot_size));
  }
  if (h.tick_period_ns == 0) bad("tick period 0");

  SegmentLayout out;
  std::array<bool, 4> seen{};
  for (std::uint32_t i = 0; i < h.section_count; ++i) {
    const layout::SectionEntry& s = h.sections[i];
    if (!within(s.offset, s.size, mapped_size)) {
      bad("section " + std::to_string(i) + " [offset " + std::to_string(s.offset) + ", size " +
          std::to_string(s.size) + "] runs past the end");
    }
    if (s.offset < sizeof(layout::Header)) bad("section " + std::to_string(i) + " overlaps header");
    if (s.offset % layout::kCacheLine != 0) bad("section " + std::to_string(i) + " misaligned");
    if (s.kind == 0 || s.kind >= seen.size()) continue;  // unknown kind: a newer minor version
    if (seen[s.kind]) bad("duplicate section kind " + std::to_string(s.kind));
    seen[s.kind] = true;
    switch (static_cast<layout::SectionKind>(s.kind)) {
      case layout::SectionKind::kDescriptors:
        out.descriptors = s;
        break;
      case layout::SectionKind::kValues:
        out.values = s;
        break;
      case layout::SectionKind::kRing:
        out.ring = s;
        break;
    }
  }
  if (!seen[1] || !seen[2] || !seen[3]) bad("a required section is missing");
  // Sizes are bounded above (<= 2^16 slots of <= 2^20 bytes), so the products cannot overflow.
  if (out.values.size < std::uint64_t{h.value_slot_count} * h.value_slot_size) {
    bad("value section too small for its slots");
  }
  if (out.ring.size < std::uint64_t{h.ring_slot_count} * h.ring_slot_size) {
    bad("ring section too small for its slots");
  }
  // Sections must not overlap each other.
  std::array<layout::SectionEntry, 3> sorted{out.descriptors, out.values, out.ring};
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.offset < b.offset; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].offset - sorted[i - 1].offset < sorted[i - 1].size) bad("sections overlap");
  }
  return out;
}

std::vector<Descriptor> decode_descriptors(std::span<const std::uint8_t> copy,
                                           const layout::HeaderFixed& header, std::string& platform,
                                           std::string& counters) {
  flatbuffers::Verifier verifier(copy.data(), copy.size(),
                                 /*max_depth=*/16, /*max_tables=*/1u << 20);
  if (!schema::VerifyDescriptorTableBuffer(verifier)) bad("descriptor table fails verification");
  const schema::DescriptorTable* table = schema::GetDescriptorTable(copy.data());
  if (table->schema_hash() != header.schema_hash) bad("descriptor hash differs from the header");
  platform = table->platform() ? table->platform()->str() : "";
  counters = table->counters() ? table->counters()->str() : "";

  std::vector<Descriptor> out;
  out.reserve(table->metrics()->size());
  std::unordered_set<std::uint16_t> ids;
  std::unordered_set<std::string> names;
  for (const schema::MetricDescriptor* m : *table->metrics()) {
    const auto id = static_cast<std::uint16_t>(m->id());
    if (id == 0 || id >= header.value_slot_count) {
      bad("descriptor id " + std::to_string(id) + " outside the value table");
    }
    if (!ids.insert(id).second) bad("duplicate descriptor id " + std::to_string(id));
    if (!names.insert(m->name()->str()).second) bad("duplicate metric name " + m->name()->str());
    Descriptor d;
    d.id = m->id();
    d.name = m->name()->str();
    d.category = m->category()->str();
    d.type = m->type();
    d.unit = m->unit() ? m->unit()->str() : "";
    d.kernel_pattern = m->kernel_pattern();
    d.recommended_pattern = m->recommended_pattern();
    d.ttl_ms = m->ttl_ms();
    d.description = m->description() ? m->description()->str() : "";
    d.source = m->source() ? m->source()->str() : "";
    d.available = m->available();
    d.unavailable_reason = m->unavailable_reason() ? m->unavailable_reason()->str() : "";
    d.effective_pattern = m->effective_pattern().value_or(d.recommended_pattern);
    d.effective_ttl_ms = m->effective_ttl_ms().value_or(d.ttl_ms);
    d.detail = m->detail() ? m->detail()->str() : "";
    out.push_back(std::move(d));
  }
  std::sort(out.begin(), out.end(), [](const Descriptor& a, const Descriptor& b) {
    return static_cast<std::uint16_t>(a.id) < static_cast<std::uint16_t>(b.id);
  });
  return out;
}

}  // namespace sysring::detail
