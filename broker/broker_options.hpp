// sysringd's command line, parsed with Boost.Program_options.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "instances/instance_config.hpp"
#include "log.hpp"

namespace sysring::broker {

struct BrokerOptions {
  std::string segment = "/sysring";
  std::uint32_t tick_ms = 1000;
  std::uint32_t ring_slots = 256;
  std::uint32_t ring_slot_bytes = 2048;
  // Rows per instance domain beyond what the machine has at start, in percent of that count;
  // every domain also gets kMinSpareRows more (hotplug, new disks, containers).
  std::uint32_t instance_headroom_percent = 100;
  mode_t mode = 0644;          // who may map the segment read-only
  std::optional<gid_t> group;  // with --mode 0640: the group allowed to read
  log::Level log_level = log::Level::kInfo;
  bool foreground = false;
  std::string proc_root = "/proc";      // for tests: a fixture tree instead of the real /proc
  std::string sys_root = "/sys";        // likewise for the sysfs: sources
  std::uint64_t max_ticks = 0;          // 0: run until signalled
  std::string config;                   // scheduler overrides (docs/CONFIG.md); empty: none
  bool counters = true;                 // --no-counters: publish no performance counters
  std::vector<std::string> pmc_events;  // --pmc-events; empty: the platform's default set
  InstanceConfig instance_config;       // roots from the flags, the rest from --config
  // Started as root: the user to become once the segment exists, and the capabilities kept
  // (broker/privilege/privilege_drop.hpp). Empty user: keep the starting credentials.
  std::string user;
  std::string keep_caps = "cap_perfmon";
  // Once serving, allow only the system calls the broker makes (broker/sandbox/); Linux only.
  bool seccomp = true;
  // Per-process counters on request (docs/PROCESS_COUNTERS.md): the socket's path, empty for
  // the default (/run/sysring/<segment name>.sock), "none" for no request server. Linux only.
  std::string request_socket;
};

// Returns the options, or nullopt after printing --help. Throws std::invalid_argument (one line)
// for a bad flag or value.
std::optional<BrokerOptions> parse_broker_options(int argc, char** argv);

}  // namespace sysring::broker
