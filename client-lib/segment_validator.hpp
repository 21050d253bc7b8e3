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
};

// Checks magic, version, sizes and every section bound against `mapped_size`, using
// overflow-safe arithmetic. `header` must be a private copy. Throws Error(kBadSegment/kVersion).
SegmentLayout check_header(const layout::HeaderFixed& header, std::uint64_t mapped_size);

// Verifies a private copy of the descriptor FlatBuffer and decodes it.
// Throws Error(kBadSegment) naming what is wrong.
std::vector<Descriptor> decode_descriptors(std::span<const std::uint8_t> private_copy,
                                           const layout::HeaderFixed& header, std::string& platform,
                                           std::string& counters);

}  // namespace sysring::detail
