// How sysring families are named when exported: units in base units, _total on counts.
#include <gtest/gtest.h>

#include "sysring_families.hpp"

namespace sysring::exporter {
namespace {

Descriptor family(std::string name, std::string unit, std::string source,
                  ValueType type = ValueType::U64) {
  Descriptor d;
  d.name = std::move(name);
  d.unit = std::move(unit);
  d.source = std::move(source);
  d.type = type;
  return d;
}

TEST(SysringNames, UnitsBecomeBaseUnitsOnce) {
  auto n = sysring_name(family("disk.read_time_ms", "ms", "diskstats:3"), 100, 4096);
  EXPECT_EQ(n.name, "sysring_disk_read_time_seconds_total");
  EXPECT_DOUBLE_EQ(n.scale, 1e-3);
  EXPECT_EQ(n.unit, "seconds");
  n = sysring_name(family("fs.size_bytes", "bytes", "statvfs:size"), 100, 4096);
  EXPECT_EQ(n.name, "sysring_fs_size_bytes");
  EXPECT_FALSE(n.cumulative);
  n = sysring_name(family("vm.nr_dirty", "pages", "vmstat:nr_dirty"), 100, 4096);
  EXPECT_EQ(n.name, "sysring_vm_nr_dirty_bytes");
  EXPECT_DOUBLE_EQ(n.scale, 4096);
  n = sysring_name(family("cpu.time.guest", "ticks", "percpu_stat:8"), 250, 4096);
  EXPECT_EQ(n.name, "sysring_cpu_time_guest_seconds_total");
  EXPECT_DOUBLE_EQ(n.scale, 1.0 / 250);
  n = sysring_name(family("kern.perf_event_mlock_kb", "KiB", "sysctl:kernel/x"), 100, 4096);
  EXPECT_EQ(n.name, "sysring_kern_perf_event_mlock_bytes");
  EXPECT_DOUBLE_EQ(n.scale, 1024);
  n = sysring_name(family("cpu.freq_hz", "hz", "cpufreq:scaling_cur_freq"), 100, 4096);
  EXPECT_EQ(n.name, "sysring_cpu_freq_hertz");
}

TEST(SysringNames, LevelsNamedLikeCountersGetAValueSuffix) {
  EXPECT_EQ(
      sysring_name(family("vm.max_map_count", "count", "sysctl:vm/max_map_count"), 100, 4096).name,
      "sysring_vm_max_map_count_value");
  EXPECT_EQ(sysring_name(family("numa.huge_pages_total", "count", "node_meminfo:HugePages_Total"),
                         100, 4096)
                .name,
            "sysring_numa_huge_pages_total_value");
}

TEST(SysringNames, CumulativeFromTheKernelSource) {
  EXPECT_TRUE(is_cumulative(family("net.tcp.in_segs", "segments", "snmp:Tcp:InSegs")));
  EXPECT_FALSE(is_cumulative(family("net.tcp.curr_estab", "count", "snmp:Tcp:CurrEstab")));
  EXPECT_FALSE(is_cumulative(family("net.ip.forwarding", "flag", "snmp:Ip:Forwarding")));
  EXPECT_TRUE(is_cumulative(family("vm.pgfault", "count", "vmstat:pgfault")));
  EXPECT_FALSE(is_cumulative(family("vm.nr_dirty", "pages", "vmstat:nr_dirty")));
  EXPECT_FALSE(is_cumulative(family("disk.io_in_progress", "count", "diskstats:8")));
  EXPECT_TRUE(is_cumulative(family("disk.io_time_ms", "ms", "diskstats:9")));
  EXPECT_TRUE(is_cumulative(family("pressure.io.full.total", "us", "pressure:io:full:total")));
  EXPECT_FALSE(
      is_cumulative(family("pressure.io.full.avg10", "percent", "pressure:io:full:avg10")));
  EXPECT_FALSE(is_cumulative(family("mem.free", "bytes", "meminfo:MemFree")));
  EXPECT_TRUE(is_cumulative(family("pmc.cycles", "cycles", "pmc:cpu:cycles", ValueType::Counter)));
  EXPECT_FALSE(is_cumulative(family("kern.pid_max", "count", "sysctl:kernel/pid_max")));
}

}  // namespace
}  // namespace sysring::exporter
