// Instance domains by name: what a family's values are per (cpu, disk, netif, ...). Shared by the
// broker, the client library and the tools, so every side spells a domain the same way.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "types_generated.h"

namespace sysring {

using schema::InstanceDomain;

inline constexpr std::size_t kDomainCount = 7;  // None, Cpu, Disk, Netif, Filesystem, Numa, Cgroup
static_assert(static_cast<std::size_t>(InstanceDomain::MAX) + 1 == kDomainCount);

inline constexpr std::size_t domain_index(InstanceDomain domain) {
  return static_cast<std::size_t>(domain);
}

// "cpu", "disk", "netif", "filesystem", "numa", "cgroup"; "" for None.
constexpr std::string_view domain_name(InstanceDomain domain) {
  constexpr std::array<std::string_view, kDomainCount> kNames = {
      "", "cpu", "disk", "netif", "filesystem", "numa", "cgroup"};
  const auto i = domain_index(domain);
  return i < kNames.size() ? kNames[i] : std::string_view{};
}

namespace label_keys {
inline constexpr std::string_view kCpu[] = {"cpu"};
// Disks: major/minor from /proc/diskstats, the rest from the udev database ("" when absent).
inline constexpr std::string_view kDisk[] = {"device", "major", "minor",    "path",
                                             "serial", "model", "revision", "wwn"};
inline constexpr std::string_view kNetif[] = {"device", "address", "broadcast", "ifalias"};
inline constexpr std::string_view kFilesystem[] = {"device", "fstype", "mountpoint"};
inline constexpr std::string_view kNuma[] = {"node"};
inline constexpr std::string_view kCgroup[] = {"cgroup"};
}  // namespace label_keys

// The labels every instance of a domain carries, in node_exporter's spelling.
constexpr std::span<const std::string_view> domain_label_keys(InstanceDomain domain) {
  using namespace label_keys;
  switch (domain) {
    case InstanceDomain::Cpu:
      return kCpu;
    case InstanceDomain::Disk:
      return kDisk;
    case InstanceDomain::Netif:
      return kNetif;
    case InstanceDomain::Filesystem:
      return kFilesystem;
    case InstanceDomain::Numa:
      return kNuma;
    case InstanceDomain::Cgroup:
      return kCgroup;
    default:
      return {};
  }
}

constexpr std::optional<InstanceDomain> domain_by_name(std::string_view name) {
  for (std::size_t i = 1; i < kDomainCount; ++i) {
    const auto domain = static_cast<InstanceDomain>(i);
    if (domain_name(domain) == name) return domain;
  }
  return std::nullopt;
}

}  // namespace sysring
