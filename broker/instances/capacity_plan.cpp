#include "instances/capacity_plan.hpp"

#include <algorithm>

namespace sysring::broker {

DomainCapacities plan_capacities(const InstanceSourceSet& sources, std::uint32_t headroom_percent) {
  DomainCapacities out{};
  out[0] = 1;
  for (std::size_t d = 1; d < kDomainCount; ++d) {
    const std::uint64_t seen = sources.instances_at_start(static_cast<InstanceDomain>(d));
    const std::uint64_t extra =
        std::max<std::uint64_t>(seen * headroom_percent / 100, kMinSpareRows);
    out[d] =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(seen + extra, layout::kMaxDomainRows));
  }
  return out;
}

std::uint32_t plan_directory_bytes(const DomainCapacities& capacities) {
  std::uint64_t rows = 0;
  for (std::size_t d = 1; d < kDomainCount; ++d) rows += capacities[d];
  std::uint64_t bytes = sizeof(layout::DirectoryBufferHeader) + 512 + rows * kDirectoryBytesPerRow;
  bytes = (bytes + layout::kCacheLine - 1) / layout::kCacheLine * layout::kCacheLine;
  return static_cast<std::uint32_t>(
      std::clamp<std::uint64_t>(bytes, layout::kMinDirectoryBytes, layout::kMaxDirectoryBytes));
}

}  // namespace sysring::broker
