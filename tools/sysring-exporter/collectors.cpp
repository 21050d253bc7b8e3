#include "collectors.hpp"

namespace sysring::exporter {

bool CollectorConfig::on(std::string_view collector) const noexcept {
  for (std::size_t i = 0; i < kCollectors.size(); ++i) {
    if (kCollectors[i].name == collector) return enabled[i];
  }
  return false;
}

CollectorConfig default_collector_config() {
  CollectorConfig config;
  config.enabled.fill(true);
  const auto flags = std::regex::ECMAScript | std::regex::optimize;
  config.filesystem_mount_points_exclude =
      std::regex(std::string(kDefaultMountPointsExclude), flags);
  config.filesystem_fs_types_exclude = std::regex(std::string(kDefaultFsTypesExclude), flags);
  config.netclass_ignored_devices = std::regex(std::string(kDefaultNetclassIgnoredDevices), flags);
  config.netstat_fields = std::regex(std::string(kDefaultNetstatFields), flags);
  config.vmstat_fields = std::regex(std::string(kDefaultVmstatFields), flags);
  return config;
}

}  // namespace sysring::exporter
