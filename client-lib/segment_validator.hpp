// Validation of an untrusted segment: everything a client checks before it trusts one byte.
// Internal to libsysring (and its tests).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "descriptors_generated.h"
#include "sysring/client.hpp"
#include "sysring/layout.hpp"

namespace sysring::detail {

// Owner and mode policy, applied to fstat() of the open object before mapping it.
// Throws Error(kForeignOwner / kInsecureMode / kBadSegment), or Error(kNotLive) for an empty
// object: a broker creates its segment empty and sizes it next, so that is one being created.
void check_file_policy(const struct stat& st, std::optional<uid_t> expected_owner);

// A header still being written by its broker: the state word (acquired before `header` was
// copied) still 0 and the magic 0 or already written. Throws Error(kNotLive), "try again".
void check_not_being_created(const layout::HeaderFixed& header, std::uint64_t state_word);

// Magic and major version: is this a sysring segment this library can read at all?
// Throws Error(kBadSegment / kVersion).
void check_identity(const layout::HeaderFixed& header);

// Bounds of the sections, from a header copied out of shared memory.
struct SegmentLayout {
  layout::SectionEntry descriptors{};
  layout::SectionEntry values{};
  layout::SectionEntry ring{};
  layout::SectionEntry directory{};
};

// Checks magic, version, sizes and every section bound against `mapped_size`, using
// overflow-safe arithmetic. `header` must be a private copy. Throws Error(kBadSegment/kVersion).
SegmentLayout check_header(const layout::HeaderFixed& header, std::uint64_t mapped_size);

// One metric of a checked descriptor table: what the hot paths need, and the verified FlatBuffer
// table the rest is decoded from when a caller asks (most processes read a few metrics: decoding
// every name, unit and description of the table at open would be most of their start-up).
struct MetricEntry {
  MetricId id = MetricId::None;
  InstanceDomain domain = InstanceDomain::None;
  ValueType type = ValueType::Unknown;
  std::uint32_t column = 0;
  const schema::MetricDescriptor* table = nullptr;  // into DescriptorIndex::bytes
};

// The descriptor table, verified and checked against the header: every column and registration
// range inside one copy of the value table, ids and names unique.
struct DescriptorIndex {
  std::vector<std::uint8_t> bytes;   // the verified private copy the entries point into
  std::vector<MetricEntry> metrics;  // sorted by id
  // Names, open addressing: 1 + the position in `metrics`, 0 for an empty slot (a power of two
  // at least twice the metrics, so a probe ends quickly).
  std::vector<std::uint32_t> name_slots;
  std::vector<DomainInfo> domains;  // indexed by domain_index(); None has one row
  std::string platform;
  std::string counters;
};

// Verifies the private copy of the descriptor FlatBuffer (taking it over) and checks it.
// Throws Error(kBadSegment) naming what is wrong.
DescriptorIndex check_descriptors(std::vector<std::uint8_t> private_copy,
                                  const layout::HeaderFixed& header);

// Every field of one checked entry.
Descriptor decode_descriptor(const MetricEntry& entry);

// The position in index.metrics of the metric named `name`, or -1.
std::int64_t find_name(const DescriptorIndex& index, std::string_view name);

// Verifies a private copy of one instance-directory buffer's FlatBuffer (generation
// `generation`) against the domains' capacities. Throws Error(kBadSegment).
InstanceDirectory decode_directory(std::span<const std::uint8_t> private_copy,
                                   std::uint64_t generation,
                                   const std::vector<DomainInfo>& domains);

}  // namespace sysring::detail
