// One sysfs attribute of one instance (cpu3's scaling_cur_freq, eth0's operstate), kept open
// and re-read with pread, its text decoded to a Reading.
//
// What a failure means, per the kernel's conventions for attributes:
//   the file does not exist, or the read fails with EINVAL, ENODEV, EOPNOTSUPP, ENXIO or
//   ENODATA   -> kUnavailable: this instance has no such value now (carrier and speed of a
//                link that is down, speed of a virtual interface, a CPU without cpufreq)
//   any other error, or text the format does not expect  -> kReadError
// A read that fails with ENODEV reopens the path once first: the kernel object behind the
// open file was removed (a device unplugged, or replaced by one of the same name).
#pragma once

#include <string>

#include "sources/metric_sources.hpp"
#include "sources/procfs_file.hpp"
#include "sysfs_attribute_parser.hpp"

namespace sysring::broker::linux_instances {

class SysfsAttribute {
 public:
  SysfsAttribute(std::string path, AttributeFormat format);

  // Reads and decodes the attribute now. Never throws.
  Reading read();

  // Opens `path`, reads it once and closes it: for STATIC values, read once per instance.
  static Reading read_once(std::string path, AttributeFormat format);

 private:
  ProcfsFile file_;
  AttributeFormat format_;
};

}  // namespace sysring::broker::linux_instances
