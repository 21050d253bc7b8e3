// The broker's configuration file (broker/scheduler/schedule_config.cpp and
// broker/instances/instance_config.cpp): INI text parsed into overrides, then its
// [instances.DOMAIN] sections applied (regexes compiled, numbers range-checked). Bad text must
// give ScheduleConfigError and nothing else.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "instances/instance_config.hpp"
#include "scheduler/schedule_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  try {
    const sysring::broker::ScheduleOverrides config =
        sysring::broker::parse_schedule_config(in, "fuzz.conf");
    sysring::broker::InstanceConfig instances;
    sysring::broker::apply_instance_sections(config, instances);
  } catch (const sysring::broker::ScheduleConfigError&) {
    // Refused with one line naming the file: the expected outcome for bad text.
  }
  return 0;
}
