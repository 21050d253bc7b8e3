// How many rows each instance domain gets, and how large the directory is: decided once, from
// what the machine has at start plus headroom, before the segment is created.
#pragma once

#include <cstdint>

#include "instances/instance_source_set.hpp"
#include "segment/value_layout.hpp"

namespace sysring::broker {

// Every domain gets at least this many rows beyond what it had at start: the quarantine keeps a
// freed row from reuse for a while, so a CPU or disk that bounces needs a spare row.
inline constexpr std::uint32_t kMinSpareRows = 8;
// The directory is sized for records of this many bytes on average (names and labels); an
// instance past that budget is counted as unpublished, never written past the buffer. A disk
// carries eight labels (InstanceTable::record_bytes counts ~550 bytes for one without udev
// data), an interface four: 640 keeps a machine of disks within budget at 0 % headroom.
inline constexpr std::uint32_t kDirectoryBytesPerRow = 640;

DomainCapacities plan_capacities(const InstanceSourceSet& sources, std::uint32_t headroom_percent);

// Bytes of one directory buffer (header included) for these capacities.
std::uint32_t plan_directory_bytes(const DomainCapacities& capacities);

}  // namespace sysring::broker
