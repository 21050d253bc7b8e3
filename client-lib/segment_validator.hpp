// Validation of an untrusted segment: everything a client checks before it trusts one byte.
// Internal to libsysring (and its tests).
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "sysring/client.hpp"
#include "sysring/layout.hpp"

namespace sysring::detail {

// Owner and mode policy, applied to fstat() of the open object before mapping it.
// Throws Error(kForeignOwner / kInsecureMode / kBadSegment).
void check_file_policy(const struct stat& st, std::optional<uid_t> expected_owner);

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

// The descriptor table, decoded and checked against the header: every column and registration
// range inside one copy of the value table.
struct DescriptorContents {
  std::vector<Descriptor> descriptors;  // sorted by id
  std::vector<DomainInfo> domains;      // indexed by domain_index(); None has one row
  std::string platform;
  std::string counters;
};

// Verifies a private copy of the descriptor FlatBuffer and decodes it.
// Throws Error(kBadSegment) naming what is wrong.
DescriptorContents decode_descriptors(std::span<const std::uint8_t> private_copy,
                                      const layout::HeaderFixed& header);

// Verifies a private copy of one instance-directory buffer's FlatBuffer (generation
// `generation`) against the domains' capacities. Throws Error(kBadSegment).
InstanceDirectory decode_directory(std::span<const std::uint8_t> private_copy,
                                   std::uint64_t generation, const std::vector<DomainInfo>& domains);

}  // namespace sysring::detail
