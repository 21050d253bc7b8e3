#include "segment_validator.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_set>

#include "broker_user.hpp"
#include "descriptors_generated.h"
#include "instances_generated.h"
#include "shm_object.hpp"
#include "sysring/error.hpp"

namespace sysring::detail {
namespace {

[[noreturn]] void bad(const std::string& what) {
  throw Error(ErrorCode::kBadSegment, "corrupt or foreign segment: " + what);
}

// FNV-1a: names are short, and the index is built once per open.
std::size_t name_hash(std::string_view name) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
  return static_cast<std::size_t>(h ^ (h >> 32));
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

// Without an explicit owner a client trusts root, the installation's broker user and itself
// (a broker it started): any other owner may be a squatter serving forged values.
bool trusted_by_default(uid_t owner) {
  if (owner == 0 || owner == ::getuid()) return true;
  const std::optional<uid_t> broker = local_user_uid(broker_user_name());
  return broker && owner == *broker;
}

std::string trusted_owners() {
  const std::string name = broker_user_name();
  const std::optional<uid_t> broker = local_user_uid(name);
  std::string text = "root";
  if (broker) {
    text += ", the broker user " + name + " (uid " + std::to_string(*broker) + ")";
  } else if (!name.empty()) {
    text += " (the broker user " + name + " does not exist here)";
  }
  return text + " or uid " + std::to_string(::getuid()) + " (you)";
}

}  // namespace

void check_file_policy(const struct stat& st, std::optional<uid_t> expected_owner) {
  if (!is_shm_object(st.st_mode)) bad("not a regular shared-memory object");
  if (expected_owner ? st.st_uid != *expected_owner : !trusted_by_default(st.st_uid)) {
    throw Error(ErrorCode::kForeignOwner,
                "segment is owned by uid " + std::to_string(st.st_uid) + ", expected " +
                    (expected_owner ? "uid " + std::to_string(*expected_owner) : trusted_owners()) +
                    "; refusing it (another user may have squatted the name)");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    throw Error(ErrorCode::kInsecureMode,
                "segment mode " + octal(st.st_mode) + " lets other users write it; refusing it");
  }
  // A broker creates its object empty and sizes it next (broker/segment/segment_writer.cpp): an
  // empty object under the name is a segment being created, not a corrupt one. Try again.
  if (st.st_size == 0) {
    throw Error(ErrorCode::kNotLive, "segment is empty: its broker is still creating it");
  }
  if (st.st_size < static_cast<off_t>(sizeof(layout::Header))) {
    bad("truncated: " + std::to_string(st.st_size) + " bytes, smaller than the header");
  }
  if (static_cast<std::uint64_t>(st.st_size) > layout::kMaxSegmentBytes) {
    bad("implausible size " + std::to_string(st.st_size) + " bytes");
  }
}

void check_not_being_created(const layout::HeaderFixed& h, std::uint64_t state_word) {
  // The broker writes the header into the zero-filled object and release-stores the state word
  // (kInit) last: a state word of 0 with the magic still zero or already written is a header
  // being written. A non-zero wrong magic, or a zero one under a non-zero state word, is no
  // segment being created: check_identity refuses it as foreign.
  if (state_word == 0 && (h.magic == 0 || h.magic == layout::kMagic)) {
    throw Error(ErrorCode::kNotLive,
                "segment header not written yet: its broker is still "
                "creating it");
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
  if (h.value_words == 0 || h.value_words > layout::kMaxValueWords) {
    bad("value table of " + std::to_string(h.value_words) + " words");
  }
  if (h.value_copy_bytes != layout::value_copy_bytes(h.value_words)) {
    bad("value copy stride " + std::to_string(h.value_copy_bytes));
  }
  if (!layout::is_power_of_two(h.ring_slot_count) || h.ring_slot_count > layout::kMaxRingSlots) {
    bad("ring slot count " + std::to_string(h.ring_slot_count));
  }
  if (!layout::is_power_of_two(h.ring_slot_size) || h.ring_slot_size < layout::kMinRingSlotSize ||
      h.ring_slot_size > layout::kMaxRingSlotSize) {
    bad("ring slot size " + std::to_string(h.ring_slot_size));
  }
  if (h.directory_bytes < layout::kMinDirectoryBytes ||
      h.directory_bytes > layout::kMaxDirectoryBytes || h.directory_bytes % layout::kCacheLine) {
    bad("directory buffer size " + std::to_string(h.directory_bytes));
  }
  if (h.tick_period_ns == 0) bad("tick period 0");
  // 2.1: the request socket path is a C string inside its field (2.0: padding, not read).
  if (h.minor >= 1 && std::memchr(h.request_socket, '\0', sizeof h.request_socket) == nullptr) {
    bad("request socket path is not NUL-terminated within " +
        std::to_string(sizeof h.request_socket) + " bytes");
  }

  SegmentLayout out;
  std::array<bool, layout::kMaxSectionKind + 1> seen{};
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
      case layout::SectionKind::kDirectory:
        out.directory = s;
        break;
    }
  }
  if (!seen[1] || !seen[2] || !seen[3] || !seen[4]) bad("a required section is missing");
  // Every factor is bounded above (checked), so the products cannot overflow.
  if (out.values.size < 2 * std::uint64_t{h.value_copy_bytes}) {
    bad("value section too small for its two copies");
  }
  if (out.ring.size < std::uint64_t{h.ring_slot_count} * h.ring_slot_size) {
    bad("ring section too small for its slots");
  }
  if (out.directory.size < 2 * std::uint64_t{h.directory_bytes}) {
    bad("directory section too small for its two buffers");
  }
  if (out.values.offset % layout::kCacheLine != 0) bad("value section misaligned");
  // Sections must not overlap each other.
  std::array<layout::SectionEntry, 4> sorted{out.descriptors, out.values, out.ring, out.directory};
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return a.offset < b.offset; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (sorted[i].offset - sorted[i - 1].offset < sorted[i - 1].size) bad("sections overlap");
  }
  return out;
}

DescriptorIndex check_descriptors(std::vector<std::uint8_t> copy,
                                  const layout::HeaderFixed& header) {
  DescriptorIndex out;
  out.bytes = std::move(copy);  // the buffer itself does not move: pointers into it stay valid
  flatbuffers::Verifier verifier(out.bytes.data(), out.bytes.size(),
                                 /*max_depth=*/16, /*max_tables=*/1u << 20);
  if (!schema::VerifyDescriptorTableBuffer(verifier)) bad("descriptor table fails verification");
  const schema::DescriptorTable* table = schema::GetDescriptorTable(out.bytes.data());
  if (table->schema_hash() != header.schema_hash) bad("descriptor hash differs from the header");
  if (table->value_words() != header.value_words) {
    bad("descriptor table's value table size differs from the header");
  }
  out.platform = table->platform() ? table->platform()->str() : "";
  out.counters = table->counters() ? table->counters()->str() : "";
  const std::uint64_t words = header.value_words;

  // Domains: each known once, None with one row, registrations inside the table.
  out.domains.resize(kDomainCount);
  std::array<bool, kDomainCount> domain_seen{};
  if (table->domains() == nullptr) bad("no instance domains");
  for (const schema::DomainDescriptor* d : *table->domains()) {
    const auto index = static_cast<std::size_t>(d->domain());
    if (index >= kDomainCount) bad("unknown instance domain " + std::to_string(index));
    if (domain_seen[index]) bad("duplicate instance domain " + std::to_string(index));
    domain_seen[index] = true;
    if (d->capacity() > layout::kMaxDomainRows ||
        (d->domain() == InstanceDomain::None && d->capacity() != 1)) {
      bad("domain " + d->name()->str() + " capacity " + std::to_string(d->capacity()));
    }
    if (!within(d->registration_column(), d->capacity(), words)) {
      bad("domain " + d->name()->str() + " registrations outside the value table");
    }
    DomainInfo& info = out.domains[index];
    info.domain = d->domain();
    info.name = d->name()->str();
    info.capacity = d->capacity();
    info.registration_column = d->registration_column();
    if (d->label_keys()) {
      for (const auto* key : *d->label_keys()) info.label_keys.push_back(key->str());
    }
  }
  for (std::size_t i = 0; i < kDomainCount; ++i) {
    if (!domain_seen[i]) bad("instance domain " + std::to_string(i) + " missing");
  }

  out.metrics.reserve(table->metrics()->size());
  for (const schema::MetricDescriptor* m : *table->metrics()) {
    const auto id = static_cast<std::uint16_t>(m->id());
    if (id == 0) bad("descriptor id 0");
    const auto type = static_cast<std::uint8_t>(m->type());
    if (type < static_cast<std::uint8_t>(ValueType::U64) ||
        type > static_cast<std::uint8_t>(ValueType::Counter)) {
      bad("metric " + m->name()->str() + " has unknown type " + std::to_string(type));
    }
    const auto domain = static_cast<std::size_t>(m->domain());
    if (domain >= kDomainCount) bad("metric " + m->name()->str() + " has an unknown domain");
    if (domain != 0 && m->type() == ValueType::String) {
      bad("instance family " + m->name()->str() + " is a string");
    }
    const std::uint64_t column_words =
        layout::column_words(out.domains[domain].capacity, layout::cell_words(type));
    if (!within(m->column(), column_words, words)) {
      bad("metric " + m->name()->str() + " column outside the value table");
    }
    out.metrics.push_back({m->id(), m->domain(), m->type(), m->column(), m});
  }
  std::sort(out.metrics.begin(), out.metrics.end(), [](const MetricEntry& a, const MetricEntry& b) {
    return static_cast<std::uint16_t>(a.id) < static_cast<std::uint16_t>(b.id);
  });
  std::size_t slots = 16;
  while (slots < 2 * out.metrics.size()) slots *= 2;
  out.name_slots.assign(slots, 0);
  for (std::size_t i = 0; i < out.metrics.size(); ++i) {
    if (i > 0 && out.metrics[i].id == out.metrics[i - 1].id) {
      bad("duplicate descriptor id " + std::to_string(static_cast<int>(out.metrics[i].id)));
    }
    const std::string_view name = out.metrics[i].table->name()->string_view();
    for (std::size_t at = name_hash(name) & (slots - 1);; at = (at + 1) & (slots - 1)) {
      const std::uint32_t taken = out.name_slots[at];
      if (taken == 0) {
        out.name_slots[at] = static_cast<std::uint32_t>(i + 1);
        break;
      }
      if (out.metrics[taken - 1].table->name()->string_view() == name) {
        bad("duplicate metric name " + std::string(name));
      }
    }
  }
  return out;
}

std::int64_t find_name(const DescriptorIndex& index, std::string_view name) {
  const std::size_t mask = index.name_slots.size() - 1;
  for (std::size_t at = name_hash(name) & mask;; at = (at + 1) & mask) {
    const std::uint32_t taken = index.name_slots[at];
    if (taken == 0) return -1;
    if (index.metrics[taken - 1].table->name()->string_view() == name) return taken - 1;
  }
}

Descriptor decode_descriptor(const MetricEntry& entry) {
  const schema::MetricDescriptor* m = entry.table;
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
  d.domain = m->domain();
  d.column = m->column();
  return d;
}

InstanceDirectory decode_directory(std::span<const std::uint8_t> copy, std::uint64_t generation,
                                   const std::vector<DomainInfo>& domains) {
  flatbuffers::Verifier verifier(copy.data(), copy.size(), /*max_depth=*/8,
                                 /*max_tables=*/1u << 22);
  if (!schema::VerifyInstanceDirectoryBuffer(verifier)) {
    bad("instance directory fails verification");
  }
  const schema::InstanceDirectory* dir = schema::GetInstanceDirectory(copy.data());
  if (dir->generation() != generation) bad("instance directory of another generation");
  InstanceDirectory out;
  out.generation = generation;
  out.unpublished = dir->unpublished();
  out.instances.reserve(dir->instances()->size());
  // A row holds at most one record; a live name is unique in its domain.
  std::vector<std::vector<bool>> row_used(kDomainCount);
  for (std::size_t i = 0; i < kDomainCount; ++i) row_used[i].assign(domains[i].capacity, false);
  std::unordered_set<std::string> live_names;
  for (const schema::Instance* in : *dir->instances()) {
    const auto domain = static_cast<std::size_t>(in->domain());
    if (domain == 0 || domain >= kDomainCount) bad("instance of an unknown domain");
    if (in->row() >= domains[domain].capacity) {
      bad("instance row " + std::to_string(in->row()) + " past its domain's capacity");
    }
    if (row_used[domain][in->row()]) bad("two instances in one row");
    row_used[domain][in->row()] = true;
    if ((in->registration() & ~layout::kRegistrationMask) != 0 || in->registration() == 0) {
      bad("instance registration out of range");
    }
    const bool live = in->state() == schema::InstanceState::Live;
    if (in->state() != schema::InstanceState::Live && in->state() != schema::InstanceState::Gone) {
      bad("instance state unknown");
    }
    Instance inst;
    inst.domain = in->domain();
    inst.name = in->name()->str();
    if (inst.name.empty()) bad("instance without a name");
    if (live && !live_names.insert(std::to_string(domain) + "/" + inst.name).second) {
      bad("instance name " + inst.name + " live twice");
    }
    inst.instance_id = in->instance_id();
    inst.row = in->row();
    inst.registration = in->registration();
    inst.live = live;
    inst.added_ns = in->added_ns();
    inst.removed_ns = in->removed_ns();
    if (in->labels()) {
      for (const schema::Label* l : *in->labels()) {
        inst.labels.push_back({l->key()->str(), l->value()->str()});
      }
    }
    out.instances.push_back(std::move(inst));
  }
  std::sort(out.instances.begin(), out.instances.end(), [](const Instance& a, const Instance& b) {
    return a.domain != b.domain ? a.domain < b.domain : a.row < b.row;
  });
  return out;
}

}  // namespace sysring::detail
