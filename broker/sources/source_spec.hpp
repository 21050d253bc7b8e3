// Parses the registry's `source` column for Linux into where and how to read a metric.
//   meminfo:KEY            /proc/meminfo, "KEY: N kB"
//   vmstat:KEY             /proc/vmstat, "KEY N"
//   stat:KEY[:N]           /proc/stat, field N (default 0) of the line starting with KEY
//                          ("stat:cpu:3" is idle time of the aggregate line, "stat:intr" its total)
//   loadavg:0|1|2|running|total|last_pid
//   snmp:Proto:Field       /proc/net/snmp, header line of names + value line per protocol
//   netstat:Proto:Field    /proc/net/netstat (TcpExt, IpExt, ...), same layout as snmp
//   sysctl:path[:N]        /proc/sys/<path>, whole text (strings) or field N (default 0)
//   pressure:RES:LINE:NAME /proc/pressure/<RES> (cpu, memory, io, irq), LINE some|full,
//                          NAME avg10|avg60|avg300|total
//   uptime:N               /proc/uptime, field N (0 seconds since boot, 1 idle seconds)
//   sockstat:Proto:NAME    /proc/net/sockstat, "Proto: NAME value ..." (sockets:used, TCP:inuse)
//   sockstat6:Proto:NAME   /proc/net/sockstat6, likewise (TCP6:inuse, FRAG6:memory)
//   snmp6:Proto:Field      /proc/net/snmp6, "ProtoField value" lines (Ip6:InOctets, Udp6:NoPorts)
//   sysfs:path[:N|:size|:cpulist]
//                          <sys root>/<path>: whole text or field N like sysctl; "size" reads
//                          "32K" as bytes, "cpulist" counts a CPU list such as "0-1,4"
// Pure text processing; no file is touched.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "procfs_parsers.hpp"

namespace sysring::broker {

// Which mount a source's path is relative to.
enum class SourceRoot : std::uint8_t { kProc, kSys };

struct SourceSpec {
  procfs::Format format = procfs::Format::kWhole;
  SourceRoot root = SourceRoot::kProc;
  std::string path;        // relative to the root: "meminfo", "net/snmp", "sys/fs/file-nr"
  std::string_view group;  // snmp/netstat protocol or pressure line; empty otherwise
  std::string_view key;    // record key (see procfs::RecordReader); empty for sysctl
  std::size_t field = procfs::kWholeField;
};

struct ParsedSource {
  SourceSpec spec;
  std::string error;  // one line; empty when the source was understood

  [[nodiscard]] bool ok() const { return error.empty(); }
};

// The views in the result point into `source`.
ParsedSource parse_source(std::string_view source);

}  // namespace sysring::broker
