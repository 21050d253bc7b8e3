#include "sources/linux/linux_instances.hpp"

namespace sysring::broker {

std::vector<std::unique_ptr<InstanceSource>> make_linux_instance_sources(
    std::span<const registry::RegistryEntry> /*entries*/, const InstanceConfig& /*config*/) {
  return {};
}

}  // namespace sysring::broker
