#include "node_families.hpp"

#include <array>
#include <string>

namespace sysring::exporter {
namespace {

// How a value becomes node_exporter's unit, beyond a constant factor.
enum class Scale : std::uint8_t {
  kNone,
  kPerClockTick,   // /proc/stat times: ticks of kern.clock_ticks per second -> seconds
  kTimesPageSize,  // pages -> bytes
};

// One sysring family exported under a node_exporter name. Rows with the same name in a row of
// the table form one family (HELP and TYPE once).
// Its fields are in the table's reading order, which costs 8 bytes of padding a row.
struct NodeSeries {  // NOLINT(clang-analyzer-optin.performance.Padding)
  std::string_view collector;
  std::string_view name;
  MetricType type;
  std::string_view unit;
  std::string_view help;
  std::string_view sysring_name;
  double factor = 1.0;
  Scale scale = Scale::kNone;
  LabelPair fixed{};  // an extra label ("mode", "user"), or an empty key for none
};

constexpr auto G = MetricType::kGauge;
constexpr auto C = MetricType::kCounter;

// clang-format off
constexpr NodeSeries kSeries[] = {
    {"loadavg", "node_load1", G, "", "1m load average.", "load.avg1"},
    {"loadavg", "node_load5", G, "", "5m load average.", "load.avg5"},
    {"loadavg", "node_load15", G, "", "15m load average.", "load.avg15"},
    {"stat", "node_boot_time_seconds", G, "seconds", "Node boot time, in unixtime.", "kern.boot_time"},
    {"stat", "node_context_switches_total", C, "", "Total number of context switches.", "kern.context_switches"},
    {"stat", "node_forks_total", C, "", "Total number of forks.", "kern.forks"},
    {"stat", "node_intr_total", C, "", "Total number of interrupts serviced.", "kern.interrupts"},
    {"stat", "node_procs_blocked", G, "", "Number of processes blocked waiting for I/O to complete.", "kern.procs_blocked"},
    {"stat", "node_procs_running", G, "", "Number of processes in runnable state.", "kern.procs_running"},
    {"filefd", "node_filefd_allocated", G, "", "File descriptor statistics: allocated.", "fs.file_nr.allocated"},
    {"filefd", "node_filefd_maximum", G, "", "File descriptor statistics: maximum.", "fs.file_nr.max"},
    {"entropy", "node_entropy_available_bits", G, "", "Bits of available entropy.", "kern.random.entropy_avail"},
    {"entropy", "node_entropy_pool_size_bits", G, "", "Bits of entropy pool.", "kern.random.poolsize"},
    {"pressure", "node_pressure_cpu_waiting_seconds_total", C, "seconds", "Total time in seconds that processes have waited for CPU time", "pressure.cpu.some.total", 1e-6},
    {"pressure", "node_pressure_io_waiting_seconds_total", C, "seconds", "Total time in seconds that processes have waited due to IO congestion", "pressure.io.some.total", 1e-6},
    {"pressure", "node_pressure_io_stalled_seconds_total", C, "seconds", "Total time in seconds no process could make progress due to IO congestion", "pressure.io.full.total", 1e-6},
    {"pressure", "node_pressure_memory_waiting_seconds_total", C, "seconds", "Total time in seconds that processes have waited for memory", "pressure.memory.some.total", 1e-6},
    {"pressure", "node_pressure_memory_stalled_seconds_total", C, "seconds", "Total time in seconds no process could make progress due to memory congestion", "pressure.memory.full.total", 1e-6},
    {"conntrack", "node_nf_conntrack_entries", G, "", "Number of currently allocated flow entries for connection tracking.", "net.netfilter.conntrack_count"},
    {"conntrack", "node_nf_conntrack_entries_limit", G, "", "Maximum size of connection tracking table.", "net.netfilter.conntrack_max"},
    {"selinux", "node_selinux_enabled", G, "", "SELinux is enabled, 1 is true, 0 is false", "kern.selinux_enabled"},
    {"udp_queues", "node_udp_queues", G, "", "Number of allocated memory in the kernel for UDP datagrams in bytes.", "net.udp.queue_tx", 1, Scale::kNone, {"queue", "tx"}},
    {"udp_queues", "node_udp_queues", G, "", "", "net.udp.queue_rx", 1, Scale::kNone, {"queue", "rx"}},
    {"udp_queues", "node_udp_queues", G, "", "", "net.udp6.queue_tx", 1, Scale::kNone, {"queue", "tx"}},
    {"udp_queues", "node_udp_queues", G, "", "", "net.udp6.queue_rx", 1, Scale::kNone, {"queue", "rx"}},
    // Per CPU.
    {"cpu", "node_cpu_seconds_total", C, "seconds", "Seconds the CPUs spent in each mode.", "cpu.time.idle", 1, Scale::kPerClockTick, {"mode", "idle"}},
    {"cpu", "node_cpu_seconds_total", C, "seconds", "", "cpu.time.iowait", 1, Scale::kPerClockTick, {"mode", "iowait"}},
    {"cpu", "node_cpu_seconds_total", C, "seconds", "", "cpu.time.irq", 1, Scale::kPerClockTick, {"mode", "irq"}},
    {"cpu", "node_cpu_seconds_total", C, "seconds", "", "cpu.time.nice", 1, Scale::kPerClockTick, {"mode", "nice"}},
    {"cpu", "node_cpu_seconds_total", C, "seconds", "", "cpu.time.softirq", 1, Scale::kPerClockTick, {"mode", "softirq"}},
    {"cpu", "node_cpu_seconds_total", C, "seconds", "", "cpu.time.steal", 1, Scale::kPerClockTick, {"mode", "steal"}},
    {"cpu", "node_cpu_seconds_total", C, "seconds", "", "cpu.time.system", 1, Scale::kPerClockTick, {"mode", "system"}},
    {"cpu", "node_cpu_seconds_total", C, "seconds", "", "cpu.time.user", 1, Scale::kPerClockTick, {"mode", "user"}},
    {"cpu", "node_cpu_guest_seconds_total", C, "seconds", "Seconds the CPUs spent in guests (VMs) for each mode.", "cpu.time.guest_nice", 1, Scale::kPerClockTick, {"mode", "nice"}},
    {"cpu", "node_cpu_guest_seconds_total", C, "seconds", "", "cpu.time.guest", 1, Scale::kPerClockTick, {"mode", "user"}},
    {"softnet", "node_softnet_dropped_total", C, "", "Number of dropped packets", "cpu.softnet.dropped"},
    {"softnet", "node_softnet_processed_total", C, "", "Number of processed packets", "cpu.softnet.processed"},
    {"softnet", "node_softnet_times_squeezed_total", C, "", "Number of times processing packets ran out of quota", "cpu.softnet.time_squeeze"},
    // Per disk.
    {"diskstats", "node_disk_discard_time_seconds_total", C, "seconds", "This is the total number of seconds spent by all discards.", "disk.discard_time_ms", 1e-3},
    {"diskstats", "node_disk_discarded_sectors_total", C, "", "The total number of sectors discarded successfully.", "disk.discard_bytes", 1.0 / 512},
    {"diskstats", "node_disk_discards_completed_total", C, "", "The total number of discards completed successfully.", "disk.discards_completed"},
    {"diskstats", "node_disk_discards_merged_total", C, "", "The total number of discards merged.", "disk.discards_merged"},
    {"diskstats", "node_disk_flush_requests_time_seconds_total", C, "seconds", "This is the total number of seconds spent by all flush requests.", "disk.flush_time_ms", 1e-3},
    {"diskstats", "node_disk_flush_requests_total", C, "", "The total number of flush requests completed successfully", "disk.flushes_completed"},
    {"diskstats", "node_disk_io_now", G, "", "The number of I/Os currently in progress.", "disk.io_in_progress"},
    {"diskstats", "node_disk_io_time_seconds_total", C, "seconds", "Total seconds spent doing I/Os.", "disk.io_time_ms", 1e-3},
    {"diskstats", "node_disk_io_time_weighted_seconds_total", C, "seconds", "The weighted # of seconds spent doing I/Os.", "disk.io_weighted_time_ms", 1e-3},
    {"diskstats", "node_disk_read_bytes_total", C, "bytes", "The total number of bytes read successfully.", "disk.read_bytes"},
    {"diskstats", "node_disk_read_time_seconds_total", C, "seconds", "The total number of seconds spent by all reads.", "disk.read_time_ms", 1e-3},
    {"diskstats", "node_disk_reads_completed_total", C, "", "The total number of reads completed successfully.", "disk.reads_completed"},
    {"diskstats", "node_disk_reads_merged_total", C, "", "The total number of reads merged.", "disk.reads_merged"},
    {"diskstats", "node_disk_write_time_seconds_total", C, "seconds", "This is the total number of seconds spent by all writes.", "disk.write_time_ms", 1e-3},
    {"diskstats", "node_disk_writes_completed_total", C, "", "The total number of writes completed successfully.", "disk.writes_completed"},
    {"diskstats", "node_disk_writes_merged_total", C, "", "The number of writes merged.", "disk.writes_merged"},
    {"diskstats", "node_disk_written_bytes_total", C, "bytes", "The total number of bytes written successfully.", "disk.write_bytes"},
    // Per network interface: /proc/net/dev's counters ...
    {"netdev", "node_network_receive_bytes_total", C, "bytes", "Network device statistic receive_bytes.", "netif.rx_bytes"},
    {"netdev", "node_network_receive_compressed_total", C, "", "Network device statistic receive_compressed.", "netif.rx_compressed"},
    {"netdev", "node_network_receive_drop_total", C, "", "Network device statistic receive_drop.", "netif.rx_drop"},
    {"netdev", "node_network_receive_errs_total", C, "", "Network device statistic receive_errs.", "netif.rx_errs"},
    {"netdev", "node_network_receive_fifo_total", C, "", "Network device statistic receive_fifo.", "netif.rx_fifo"},
    {"netdev", "node_network_receive_frame_total", C, "", "Network device statistic receive_frame.", "netif.rx_frame"},
    {"netdev", "node_network_receive_multicast_total", C, "", "Network device statistic receive_multicast.", "netif.rx_multicast"},
    {"netdev", "node_network_receive_nohandler_total", C, "", "Network device statistic receive_nohandler.", "netif.rx_nohandler"},
    {"netdev", "node_network_receive_packets_total", C, "", "Network device statistic receive_packets.", "netif.rx_packets"},
    {"netdev", "node_network_transmit_bytes_total", C, "bytes", "Network device statistic transmit_bytes.", "netif.tx_bytes"},
    {"netdev", "node_network_transmit_carrier_total", C, "", "Network device statistic transmit_carrier.", "netif.tx_carrier"},
    {"netdev", "node_network_transmit_colls_total", C, "", "Network device statistic transmit_colls.", "netif.tx_colls"},
    {"netdev", "node_network_transmit_compressed_total", C, "", "Network device statistic transmit_compressed.", "netif.tx_compressed"},
    {"netdev", "node_network_transmit_drop_total", C, "", "Network device statistic transmit_drop.", "netif.tx_drop"},
    {"netdev", "node_network_transmit_errs_total", C, "", "Network device statistic transmit_errs.", "netif.tx_errs"},
    {"netdev", "node_network_transmit_fifo_total", C, "", "Network device statistic transmit_fifo.", "netif.tx_fifo"},
    {"netdev", "node_network_transmit_packets_total", C, "", "Network device statistic transmit_packets.", "netif.tx_packets"},
    // ... and /sys/class/net's attributes.
    {"netclass", "node_network_address_assign_type", G, "", "Network device property: address_assign_type", "netif.addr_assign_type"},
    {"netclass", "node_network_carrier", G, "", "Network device property: carrier", "netif.carrier"},
    {"netclass", "node_network_carrier_changes_total", C, "", "Network device property: carrier_changes_total", "netif.carrier_changes"},
    {"netclass", "node_network_carrier_down_changes_total", C, "", "Network device property: carrier_down_changes_total", "netif.carrier_down_count"},
    {"netclass", "node_network_carrier_up_changes_total", C, "", "Network device property: carrier_up_changes_total", "netif.carrier_up_count"},
    {"netclass", "node_network_device_id", G, "", "Network device property: device_id", "netif.dev_id"},
    {"netclass", "node_network_dormant", G, "", "Network device property: dormant", "netif.dormant"},
    {"netclass", "node_network_flags", G, "", "Network device property: flags", "netif.flags"},
    {"netclass", "node_network_iface_id", G, "", "Network device property: iface_id", "netif.ifindex"},
    {"netclass", "node_network_iface_link", G, "", "Network device property: iface_link", "netif.iflink"},
    {"netclass", "node_network_iface_link_mode", G, "", "Network device property: iface_link_mode", "netif.link_mode"},
    {"netclass", "node_network_mtu_bytes", G, "bytes", "Network device property: mtu_bytes", "netif.mtu"},
    {"netclass", "node_network_name_assign_type", G, "", "Network device property: name_assign_type", "netif.name_assign_type"},
    {"netclass", "node_network_net_dev_group", G, "", "Network device property: net_dev_group", "netif.netdev_group"},
    {"netclass", "node_network_protocol_type", G, "", "Network device property: protocol_type", "netif.type"},
    {"netclass", "node_network_speed_bytes", G, "bytes", "Network device property: speed_bytes", "netif.speed_mbps", 125000},
    {"netclass", "node_network_transmit_queue_length", G, "", "Network device property: transmit_queue_length", "netif.tx_queue_len"},
    // Per filesystem.
    {"filesystem", "node_filesystem_avail_bytes", G, "bytes", "Filesystem space available to non-root users in bytes.", "fs.avail_bytes"},
    {"filesystem", "node_filesystem_device_error", G, "", "Whether an error occurred while getting statistics for the given device.", "fs.device_error"},
    {"filesystem", "node_filesystem_files", G, "", "Filesystem total file nodes.", "fs.files"},
    {"filesystem", "node_filesystem_files_free", G, "", "Filesystem total free file nodes.", "fs.files_free"},
    {"filesystem", "node_filesystem_free_bytes", G, "bytes", "Filesystem free space in bytes.", "fs.free_bytes"},
    {"filesystem", "node_filesystem_readonly", G, "", "Filesystem read-only status.", "fs.readonly"},
    {"filesystem", "node_filesystem_size_bytes", G, "bytes", "Filesystem size in bytes.", "fs.size_bytes"},
};
// clang-format on

// node_exporter's adjtimex fractions: ppm scaled by 2^16.
constexpr double kPpm16 = 1e6 * 65536.0;

struct TimexSeries {
  std::string_view field;
  std::string_view name;
  MetricType type;
  std::string_view help;
  double factor;  // 0: divided by the offset unit (ns with STA_NANO, else us)
  double offset = 0;
};

// clang-format off
constexpr TimexSeries kTimex[] = {
    {"sync_status", "node_timex_sync_status", G, "Is clock synchronized to a reliable server (1 = yes, 0 = no).", 1},
    {"offset", "node_timex_offset_seconds", G, "Time offset in between local system and reference clock.", 0},
    {"freq", "node_timex_frequency_adjustment_ratio", G, "Local clock frequency adjustment.", 1 / kPpm16, 1},
    {"maxerror", "node_timex_maxerror_seconds", G, "Maximum error in seconds.", 1e-6},
    {"esterror", "node_timex_estimated_error_seconds", G, "Estimated error in seconds.", 1e-6},
    {"status", "node_timex_status", G, "Value of the status array bits.", 1},
    {"constant", "node_timex_loop_time_constant", G, "Phase-locked loop time constant.", 1},
    {"tick", "node_timex_tick_seconds", G, "Seconds between clock ticks.", 1e-6},
    {"ppsfreq", "node_timex_pps_frequency_hertz", G, "Pulse per second frequency.", 1 / kPpm16},
    {"jitter", "node_timex_pps_jitter_seconds", G, "Pulse per second jitter.", 0},
    {"shift", "node_timex_pps_shift_seconds", G, "Pulse per second interval duration.", 1},
    {"stabil", "node_timex_pps_stability_hertz", G, "Pulse per second stability, average of recent frequency changes.", 1 / kPpm16},
    {"jitcnt", "node_timex_pps_jitter_total", C, "Pulse per second count of jitter limit exceeded events.", 1},
    {"calcnt", "node_timex_pps_calibration_total", C, "Pulse per second count of calibration intervals.", 1},
    {"errcnt", "node_timex_pps_error_total", C, "Pulse per second count of calibration errors.", 1},
    {"stbcnt", "node_timex_pps_stability_exceeded_total", C, "Pulse per second count of stability limit exceeded events.", 1},
    {"tai", "node_timex_tai_offset_seconds", G, "International Atomic Time (TAI) offset.", 1},
};
// clang-format on

class NodePlanner {
 public:
  explicit NodePlanner(PlanBuilder& b) : b_(b) {
    clock_ticks_ = b.number("kern.clock_ticks").value_or(100.0);
    page_size_ = b.number("hw.page_size").value_or(4096.0);
  }

  void plan() {
    plan_table();
    plan_from_sources();
    plan_timex();
    plan_network_extras();
  }

 private:
  bool keep_filesystem(const Instance& i) const {
    const auto* mountpoint = i.label("mountpoint");
    const auto* fstype = i.label("fstype");
    const auto& config = b_.config();
    return !(mountpoint &&
             std::regex_search(*mountpoint, config.filesystem_mount_points_exclude)) &&
           !(fstype && std::regex_search(*fstype, config.filesystem_fs_types_exclude));
  }

  bool keep_netif(std::string_view collector, const Instance& i) const {
    const auto& config = b_.config();
    if (collector == "netclass") return !std::regex_search(i.name, config.netclass_ignored_devices);
    if (collector == "netdev" && config.netdev_device_exclude_set) {
      return !std::regex_search(i.name, config.netdev_device_exclude);
    }
    return true;
  }

  PlanBuilder::InstanceFilter filter_for(std::string_view collector, InstanceDomain domain) {
    if (domain == InstanceDomain::Filesystem) {
      return [this](const Instance& i) { return keep_filesystem(i); };
    }
    if (domain == InstanceDomain::Netif) {
      return [this, collector](const Instance& i) { return keep_netif(collector, i); };
    }
    return {};
  }

  void plan_table() {
    PlannedFamily* family = nullptr;
    std::string_view family_name;
    for (const auto& row : kSeries) {
      const Descriptor* d = b_.find(row.sysring_name);
      if (d == nullptr) continue;
      b_.consume(*d);
      if (!b_.config().on(row.collector)) continue;
      if (family == nullptr || family_name != row.name) {
        family = &b_.family(row.name, row.help, row.type, row.unit);
        family_name = row.name;
      }
      ValueRef ref{.family = d, .scale = factor(row)};
      LabelPair fixed[1] = {row.fixed};
      // udp_queues' `ip` label comes from the family (v4 or v6); the others have one fixed.
      LabelPair udp[2] = {{"ip", d->name.starts_with("net.udp6") ? "v6" : "v4"}, row.fixed};
      std::span<const LabelPair> labels;
      if (row.collector == "udp_queues") {
        labels = udp;
      } else if (!row.fixed.key.empty()) {
        labels = fixed;
      }
      if (d->domain == InstanceDomain::None) {
        b_.scalar(*family, row.name, labels, ref);
      } else {
        b_.per_instance(*family, row.name, labels, ref, filter_for(row.collector, d->domain));
      }
    }
  }

  double factor(const NodeSeries& row) const {
    switch (row.scale) {
      case Scale::kPerClockTick:
        return row.factor / clock_ticks_;
      case Scale::kTimesPageSize:
        return row.factor * page_size_;
      case Scale::kNone:
        break;
    }
    return row.factor;
  }

  // Families named after their kernel source, as node_exporter names them: meminfo fields,
  // vmstat and netstat fields (filtered by the same default patterns), sockstat and conntrack.
  void plan_from_sources() {
    for (const auto& d : b_.client().descriptors()) {
      if (!d.available || d.domain != InstanceDomain::None) continue;
      const std::string_view source = d.source;
      const auto colon = source.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string_view kind = source.substr(0, colon);
      const std::string_view rest = source.substr(colon + 1);
      if (kind == "meminfo") {
        plan_meminfo(d, rest);
      } else if (kind == "vmstat") {
        plan_vmstat(d, rest);
      } else if (kind == "snmp" || kind == "netstat" || kind == "snmp6") {
        plan_netstat(d, rest);
      } else if (kind == "sockstat" || kind == "sockstat6") {
        plan_sockstat(d, rest);
      } else if (kind == "conntrack_stat") {
        plan_simple(d, "conntrack", "node_nf_conntrack_stat_" + std::string(rest),
                    "Conntrack statistic " + std::string(rest) + ".", MetricType::kGauge);
      }
    }
  }

  void plan_simple(const Descriptor& d, std::string_view collector, const std::string& name,
                   const std::string& help, MetricType type, double scale = 1.0,
                   std::string_view unit = "") {
    b_.consume(d);
    if (!b_.config().on(collector)) return;
    auto& family = b_.family(name, help, type, unit);
    b_.scalar(family, name, {}, ValueRef{.family = &d, .scale = scale});
  }

  void plan_meminfo(const Descriptor& d, std::string_view key) {
    // "Active(anon)" -> "Active_anon", as node_exporter spells it.
    std::string field;
    for (const char c : key) {
      if (c == '(') {
        field += '_';
      } else if (c != ')') {
        field += c;
      }
    }
    const bool bytes = d.unit == "bytes";
    const std::string name = "node_memory_" + field + (bytes ? "_bytes" : "");
    plan_simple(d, "meminfo", name, "Memory information field " + field + (bytes ? "_bytes." : "."),
                MetricType::kGauge, 1.0, bytes ? "bytes" : "");
  }

  void plan_vmstat(const Descriptor& d, std::string_view field) {
    const std::string f(field);
    if (!std::regex_search(f, b_.config().vmstat_fields)) return;  // left to sysring_*
    plan_simple(d, "vmstat", "node_vmstat_" + f, "/proc/vmstat information field " + f + ".",
                MetricType::kUntyped);
  }

  void plan_netstat(const Descriptor& d, std::string_view rest) {
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) return;
    const std::string key =
        std::string(rest.substr(0, colon)) + "_" + std::string(rest.substr(colon + 1));
    if (!std::regex_search(key, b_.config().netstat_fields)) return;  // left to sysring_*
    std::string help = "Statistic " + key + ".";
    std::erase(help, '_');
    plan_simple(d, "netstat", "node_netstat_" + key, help, MetricType::kUntyped);
  }

  void plan_sockstat(const Descriptor& d, std::string_view rest) {
    const auto colon = rest.find(':');
    if (colon == std::string_view::npos) return;
    const std::string protocol(rest.substr(0, colon));
    const std::string field(rest.substr(colon + 1));
    if (protocol == "sockets") {
      plan_simple(d, "sockstat", "node_sockstat_sockets_" + field, "Number of IPv4 sockets in use.",
                  MetricType::kGauge);
      return;
    }
    const std::string name = "node_sockstat_" + protocol + "_" + field;
    plan_simple(d, "sockstat", name, "Number of " + protocol + " sockets in state " + field + ".",
                MetricType::kGauge);
    if (field == "mem" && b_.config().on("sockstat")) {
      auto& family =
          b_.family(name + "_bytes", "Number of " + protocol + " sockets in state mem_bytes.",
                    MetricType::kGauge, "bytes");
      b_.scalar(family, name + "_bytes", {}, ValueRef{.family = &d, .scale = page_size_});
    }
  }

  void plan_timex() {
    const double unit = b_.number("time.timex.nano").value_or(0) != 0 ? 1e-9 : 1e-6;
    for (const auto& t : kTimex) {
      const Descriptor* d = b_.find(std::string("time.timex.") + std::string(t.field));
      if (d == nullptr) continue;
      b_.consume(*d);
      if (!b_.config().on("timex")) continue;
      auto& family = b_.family(t.name, t.help, t.type, "");
      b_.scalar(
          family, t.name, {},
          ValueRef{.family = d, .scale = t.factor == 0 ? unit : t.factor, .offset = t.offset});
    }
    if (const Descriptor* nano = b_.find("time.timex.nano")) b_.consume(*nano);
  }

  void plan_network_extras() {
    // node_network_up: operstate is "up" (IF_OPER_UP, RFC 2863).
    constexpr double kOperUp = 6;
    if (const Descriptor* d = b_.find("netif.operstate");
        d != nullptr && b_.config().on("netclass")) {
      auto& family = b_.family("node_network_up", "Value is 1 if operstate is 'up', 0 otherwise.",
                               MetricType::kGauge, "");
      b_.per_instance(family, "node_network_up", {},
                      ValueRef{.kind = ValueRef::Kind::kEquals, .family = d, .parameter = kOperUp},
                      filter_for("netclass", InstanceDomain::Netif));
    }
    if (const Descriptor* d = b_.find("netif.arp_entries")) {
      b_.consume(*d);
      if (b_.config().on("arp")) {
        // node_exporter lists only the devices that have entries.
        auto& family =
            b_.family("node_arp_entries", "ARP entries by device", MetricType::kGauge, "");
        b_.per_instance(family, "node_arp_entries", {}, ValueRef{.family = d, .skip_zero = true});
      }
    }
  }

  PlanBuilder& b_;
  double clock_ticks_ = 100;
  double page_size_ = 4096;
};

}  // namespace

void plan_node_families(PlanBuilder& builder) {
  NodePlanner(builder).plan();
}

}  // namespace sysring::exporter
