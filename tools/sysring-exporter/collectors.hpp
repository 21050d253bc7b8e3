// The exporter's collectors, named as node_exporter names its own so that the same
// --collector.<name> / --no-collector.<name> flags mean the same thing, plus two of sysring's:
// `pmc` (performance counters per CPU) and `sysring` (every other metric of the segment).
#pragma once

#include <array>
#include <regex>
#include <string>
#include <string_view>

namespace sysring::exporter {

struct CollectorInfo {
  std::string_view name;
  std::string_view help;
};

inline constexpr std::array<CollectorInfo, 25> kCollectors = {{
    {"arp", "ARP entries per device (node_arp_*)"},
    {"conntrack", "netfilter connection tracking (node_nf_conntrack_*)"},
    {"cpu", "CPU time per CPU and mode (node_cpu_*)"},
    {"diskstats", "block device I/O (node_disk_*)"},
    {"entropy", "kernel entropy pool (node_entropy_*)"},
    {"filefd", "file handles (node_filefd_*)"},
    {"filesystem", "filesystem space and inodes (node_filesystem_*)"},
    {"loadavg", "load averages (node_load*)"},
    {"meminfo", "memory (node_memory_*)"},
    {"netclass", "network interface attributes (node_network_* from /sys/class/net)"},
    {"netdev", "network interface counters (node_network_receive_*, node_network_transmit_*)"},
    {"netstat", "protocol counters (node_netstat_*)"},
    {"os", "operating system release (node_os_*)"},
    {"pressure", "pressure stall information (node_pressure_*)"},
    {"selinux", "SELinux state (node_selinux_*)"},
    {"sockstat", "socket counts (node_sockstat_*)"},
    {"softnet", "softirq network processing per CPU (node_softnet_*)"},
    {"stat", "kernel counters: boot time, context switches, forks, interrupts (node_*)"},
    {"time", "system time and clock sources (node_time_*)"},
    {"timex", "kernel clock discipline (node_timex_*)"},
    {"udp_queues", "UDP socket queues (node_udp_queues)"},
    {"uname", "kernel identification (node_uname_info)"},
    {"vmstat", "virtual memory counters (node_vmstat_*)"},
    {"pmc", "performance counters per CPU (sysring_pmc_*)"},
    {"sysring", "every other metric of the segment (sysring_*)"},
}};

// Which collectors run, and node_exporter's filters (same flags, same defaults).
struct CollectorConfig {
  std::array<bool, kCollectors.size()> enabled{};
  std::regex filesystem_mount_points_exclude;
  std::regex filesystem_fs_types_exclude;
  std::regex netclass_ignored_devices;
  std::regex netdev_device_exclude;  // empty pattern: none excluded
  bool netdev_device_exclude_set = false;
  std::regex netstat_fields;
  std::regex vmstat_fields;

  [[nodiscard]] bool on(std::string_view collector) const noexcept;
};

// node_exporter 1.5's defaults for its filter flags.
inline constexpr std::string_view kDefaultMountPointsExclude =
    "^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)";
inline constexpr std::string_view kDefaultFsTypesExclude =
    "^(autofs|binfmt_misc|bpf|cgroup2?|configfs|debugfs|devpts|devtmpfs|fusectl|hugetlbfs|"
    "iso9660|mqueue|nsfs|overlay|proc|procfs|pstore|rpc_pipefs|securityfs|selinuxfs|squashfs|"
    "sysfs|tracefs)$";
inline constexpr std::string_view kDefaultNetclassIgnoredDevices = "^$";
inline constexpr std::string_view kDefaultNetstatFields =
    "^(.*_(InErrors|InErrs)|Ip_Forwarding|Ip(6|Ext)_(InOctets|OutOctets)|Icmp6?_(InMsgs|OutMsgs)|"
    "TcpExt_(Listen.*|Syncookies.*|TCPSynRetrans|TCPTimeouts)|Tcp_(ActiveOpens|InSegs|OutSegs|"
    "OutRsts|PassiveOpens|RetransSegs|CurrEstab)|Udp6?_(InDatagrams|OutDatagrams|NoPorts|"
    "RcvbufErrors|SndbufErrors))$";
inline constexpr std::string_view kDefaultVmstatFields = "^(oom_kill|pgpg|pswp|pg.*fault).*";

// Every collector on and the default filters.
[[nodiscard]] CollectorConfig default_collector_config();

}  // namespace sysring::exporter
