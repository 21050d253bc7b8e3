// The registry's `source` column: what each kind means, and what is refused.
#include "source_spec.hpp"

#include <gtest/gtest.h>

namespace sysring::broker {
namespace {

using procfs::Format;
using procfs::kWholeField;

SourceSpec parse_ok(std::string_view source) {
  ParsedSource parsed = parse_source(source);
  EXPECT_TRUE(parsed.ok()) << source << ": " << parsed.error;
  return parsed.spec;
}

TEST(SourceSpec, EachKindMapsToItsFileAndKey) {
  SourceSpec s = parse_ok("meminfo:MemTotal");
  EXPECT_EQ(s.format, Format::kMeminfo);
  EXPECT_EQ(s.path, "meminfo");
  EXPECT_EQ(s.key, "MemTotal");
  EXPECT_EQ(s.field, kWholeField);

  s = parse_ok("vmstat:pgfault");
  EXPECT_EQ(s.format, Format::kKeyValue);
  EXPECT_EQ(s.path, "vmstat");
  EXPECT_EQ(s.key, "pgfault");

  s = parse_ok("stat:cpu:7");
  EXPECT_EQ(s.format, Format::kKeyValue);
  EXPECT_EQ(s.path, "stat");
  EXPECT_EQ(s.key, "cpu");
  EXPECT_EQ(s.field, 7U);

  s = parse_ok("stat:intr");
  EXPECT_EQ(s.key, "intr");
  EXPECT_EQ(s.field, kWholeField);

  s = parse_ok("loadavg:running");
  EXPECT_EQ(s.format, Format::kLoadavg);
  EXPECT_EQ(s.path, "loadavg");
  EXPECT_EQ(s.key, "running");

  s = parse_ok("snmp:Tcp:MaxConn");
  EXPECT_EQ(s.format, Format::kSnmp);
  EXPECT_EQ(s.path, "net/snmp");
  EXPECT_EQ(s.group, "Tcp");
  EXPECT_EQ(s.key, "MaxConn");

  s = parse_ok("sysctl:kernel/random/boot_id");
  EXPECT_EQ(s.format, Format::kWhole);
  EXPECT_EQ(s.path, "sys/kernel/random/boot_id");
  EXPECT_EQ(s.key, "");
  EXPECT_EQ(s.field, kWholeField);

  s = parse_ok("sysctl:fs/file-nr:1");
  EXPECT_EQ(s.path, "sys/fs/file-nr");
  EXPECT_EQ(s.field, 1U);

  s = parse_ok("sysctl:net/ipv4/tcp_keepalive_time");
  EXPECT_EQ(s.path, "sys/net/ipv4/tcp_keepalive_time");
  EXPECT_EQ(s.root, SourceRoot::kProc);

  s = parse_ok("netstat:TcpExt:ListenOverflows");
  EXPECT_EQ(s.format, Format::kSnmp);
  EXPECT_EQ(s.path, "net/netstat");
  EXPECT_EQ(s.group, "TcpExt");
  EXPECT_EQ(s.key, "ListenOverflows");

  s = parse_ok("pressure:memory:full:avg10");
  EXPECT_EQ(s.format, Format::kPressure);
  EXPECT_EQ(s.path, "pressure/memory");
  EXPECT_EQ(s.group, "full");
  EXPECT_EQ(s.key, "avg10");
  EXPECT_EQ(s.root, SourceRoot::kProc);

  s = parse_ok("pressure:io:some:total");
  EXPECT_EQ(s.path, "pressure/io");
  EXPECT_EQ(s.group, "some");
  EXPECT_EQ(s.key, "total");

  s = parse_ok("sysfs:devices/system/cpu/cpu0/topology/core_id");
  EXPECT_EQ(s.root, SourceRoot::kSys);
  EXPECT_EQ(s.format, Format::kWhole);
  EXPECT_EQ(s.path, "devices/system/cpu/cpu0/topology/core_id");
  EXPECT_EQ(s.field, kWholeField);

  s = parse_ok("sysfs:devices/system/cpu/cpu0/cache/index0/size:size");
  EXPECT_EQ(s.root, SourceRoot::kSys);
  EXPECT_EQ(s.format, Format::kSize);
  EXPECT_EQ(s.path, "devices/system/cpu/cpu0/cache/index0/size");

  s = parse_ok("sysfs:devices/system/cpu/online:cpulist");
  EXPECT_EQ(s.format, Format::kCpuList);
  EXPECT_EQ(s.path, "devices/system/cpu/online");

  s = parse_ok("uptime:0");
  EXPECT_EQ(s.format, Format::kWhole);
  EXPECT_EQ(s.path, "uptime");
  EXPECT_EQ(s.field, 0U);

  s = parse_ok("sockstat:TCP:inuse");
  EXPECT_EQ(s.format, Format::kSockstat);
  EXPECT_EQ(s.path, "net/sockstat");
  EXPECT_EQ(s.group, "TCP");
  EXPECT_EQ(s.key, "inuse");

  s = parse_ok("sockstat6:FRAG6:memory");
  EXPECT_EQ(s.format, Format::kSockstat);
  EXPECT_EQ(s.path, "net/sockstat6");
  EXPECT_EQ(s.group, "FRAG6");
  EXPECT_EQ(s.key, "memory");

  s = parse_ok("snmp6:UdpLite6:InErrors");
  EXPECT_EQ(s.format, Format::kSnmp6);
  EXPECT_EQ(s.path, "net/snmp6");
  EXPECT_EQ(s.group, "UdpLite6");
  EXPECT_EQ(s.key, "InErrors");

  s = parse_ok("sysfs:kernel/mm/transparent_hugepage/enabled:1");
  EXPECT_EQ(s.format, Format::kWhole);
  EXPECT_EQ(s.field, 1U);
}

TEST(SourceSpec, RefusesWhatItCannotBind) {
  for (const char* bad : {"",
                          "meminfo",
                          "meminfo:",
                          "meminfo:Mem Total",
                          "meminfo:A:B",
                          "vmstat:",
                          "stat:",
                          "stat:cpu:",
                          "stat:cpu:x",
                          "stat:cpu:-1",
                          "stat:cpu:1:2",
                          "loadavg:",
                          "snmp:Tcp",
                          "snmp:Tcp:",
                          "snmp::MaxConn",
                          "snmp:Tcp:Max:Conn",
                          "sysctl:",
                          "sysctl:/etc/passwd",
                          "sysctl:../../etc/passwd",
                          "sysctl:kernel/../../etc",
                          "sysctl:kernel//hostname",
                          "sysctl:kernel/",
                          "sysctl:./kernel",
                          "sysctl:kernel/host name",
                          "sysctl:fs/file-nr:a",
                          "sysctl:fs/file-nr:",
                          "pressure:cpu",
                          "pressure:cpu:some",
                          "pressure:cpu:some:",
                          "pressure:cpu:half:avg10",
                          "pressure:cpu:some:avg5",
                          "pressure:disk:some:avg10",
                          "pressure:cpu:some:avg10:0",
                          "netstat:TcpExt",
                          "uptime",
                          "uptime:",
                          "uptime:x",
                          "uptime:0:1",
                          "sockstat:TCP",
                          "sockstat::inuse",
                          "sockstat6:TCP6",
                          "snmp6:Ip6",
                          "snmp6::InOctets",
                          "sockstat:TCP:in:use",
                          "netstat::ListenDrops",
                          "sysfs:",
                          "sysfs:/etc/passwd",
                          "sysfs:../etc/passwd",
                          "sysfs:devices/../../etc",
                          "sysfs:devices/system/cpu/online:cpus",
                          "sysfs:devices/system/cpu/online:",
                          "MEMINFO:MemTotal"}) {
    const ParsedSource parsed = parse_source(bad);
    EXPECT_FALSE(parsed.ok()) << "'" << bad << "' was accepted";
    EXPECT_NE(parsed.error.find(bad), std::string::npos)
        << "the reason names the source: " << parsed.error;
    EXPECT_EQ(parsed.error.find('\n'), std::string::npos) << "one line";
  }
}

}  // namespace
}  // namespace sysring::broker
