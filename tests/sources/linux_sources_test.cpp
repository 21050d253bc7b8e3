// make_linux_sources over a private copy of tests/sources/fixtures/proc.
#include "linux_sources.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "alloc_counter.hpp"
#include "sysring/registry_data.hpp"
#include "test_support.hpp"

namespace sysring::broker {
namespace {

using layout::SlotStatus;
using schema::ValueType;
using test::entry;
using test::ProcTree;

constexpr std::uint64_t kKiB = 1024;

// One row per source kind, with the value the fixture holds.
const std::vector<registry::RegistryEntry> kRows = {
    entry(1, ValueType::U64, "meminfo:MemTotal"),                    // 24683620 kB
    entry(2, ValueType::U64, "meminfo:MemFree"),                     // 24227116 kB
    entry(3, ValueType::U64, "meminfo:HugePages_Total"),             // 16 (no unit)
    entry(4, ValueType::U64, "vmstat:pgfault"),                      // 1685447
    entry(5, ValueType::U64, "vmstat:nr_free_pages"),                // 957447
    entry(6, ValueType::U64, "stat:cpu:0"),                          // 4926
    entry(7, ValueType::U64, "stat:cpu:3"),                          // 171851
    entry(8, ValueType::U64, "stat:intr"),                           // 155089
    entry(9, ValueType::U64, "stat:softirq"),                        // 105560
    entry(10, ValueType::U64, "stat:ctxt"),                          // 268059
    entry(11, ValueType::F64, "loadavg:0"),                          // 0.52
    entry(12, ValueType::F64, "loadavg:2"),                          // 0.30
    entry(13, ValueType::U64, "loadavg:running"),                    // 2
    entry(14, ValueType::U64, "loadavg:total"),                      // 812
    entry(15, ValueType::U64, "loadavg:last_pid"),                   // 4242
    entry(16, ValueType::I64, "snmp:Tcp:MaxConn"),                   // -1
    entry(17, ValueType::U64, "snmp:Udp:InDatagrams"),               // 23
    entry(18, ValueType::U64, "snmp:Ip:Forwarding"),                 // 2
    entry(19, ValueType::String, "sysctl:kernel/hostname"),          // fixture-host
    entry(20, ValueType::U64, "sysctl:fs/file-nr:0"),                // 1344
    entry(21, ValueType::U64, "sysctl:fs/file-nr:2"),                // 9223372036854775807
    entry(22, ValueType::I64, "sysctl:kernel/perf_event_paranoid"),  // -1
    entry(23, ValueType::String, "sysctl:kernel/version"),
};

void expect_u64(MetricSources& s, std::uint16_t id, std::uint64_t want) {
  const Reading r = s.read(id);
  EXPECT_EQ(r.status, SlotStatus::kOk) << "id " << id << ": " << s.availability(id).reason;
  EXPECT_EQ(r.bits, want) << "id " << id;
}

TEST(LinuxSources, ReadsEverySourceKindFromTheFixture) {
  ProcTree tree;
  auto sources = make_linux_sources(kRows, tree.root());
  for (const auto& row : kRows) {
    EXPECT_TRUE(sources->availability(row.id).available)
        << row.source << ": " << sources->availability(row.id).reason;
  }
  sources->begin_tick();
  expect_u64(*sources, 1, 24683620 * kKiB);
  expect_u64(*sources, 2, 24227116 * kKiB);
  expect_u64(*sources, 3, 16);
  expect_u64(*sources, 4, 1685447);
  expect_u64(*sources, 5, 957447);
  expect_u64(*sources, 6, 4926);
  expect_u64(*sources, 7, 171851);
  expect_u64(*sources, 8, 155089);
  expect_u64(*sources, 9, 105560);
  expect_u64(*sources, 10, 268059);
  expect_u64(*sources, 11, std::bit_cast<std::uint64_t>(0.52));
  expect_u64(*sources, 12, std::bit_cast<std::uint64_t>(0.30));
  expect_u64(*sources, 13, 2);
  expect_u64(*sources, 14, 812);
  expect_u64(*sources, 15, 4242);
  expect_u64(*sources, 16, static_cast<std::uint64_t>(std::int64_t{-1}));
  expect_u64(*sources, 17, 23);
  expect_u64(*sources, 18, 2);
  expect_u64(*sources, 20, 1344);
  expect_u64(*sources, 21, 9223372036854775807ULL);
  expect_u64(*sources, 22, static_cast<std::uint64_t>(std::int64_t{-1}));
  const Reading host = sources->read(19);
  EXPECT_EQ(host.status, SlotStatus::kOk);
  EXPECT_EQ(host.text, "fixture-host");
  EXPECT_EQ(sources->read(23).text, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.99-1 (2024-07-15)");
}

TEST(LinuxSources, MissingFilesKeysAndFieldsAreUnavailableWithAReason) {
  ProcTree tree;
  tree.remove("sys/fs/file-nr");
  const std::vector<registry::RegistryEntry> rows = {
      entry(1, ValueType::U64, "meminfo:MemTotal"),
      entry(2, ValueType::U64, "sysctl:fs/file-nr:0"),
      entry(3, ValueType::U64, "sysctl:fs/file-nr:1"),
      entry(4, ValueType::U64, "meminfo:NoSuchKey"),
      entry(5, ValueType::U64, "snmp:Tcp:NoSuchField"),
      entry(6, ValueType::U64, "stat:cpu:42"),
      entry(7, ValueType::U64, "sysctl:vm/overcommit_memory"),  // not in the fixture
      entry(8, ValueType::String, "sysctl:kernel/hostname"),
  };
  auto sources = make_linux_sources(rows, tree.root());
  const std::string root = tree.root();
  const auto reason = [&](std::uint16_t id) {
    EXPECT_FALSE(sources->availability(id).available) << "id " << id;
    return sources->availability(id).reason;
  };
  EXPECT_EQ(reason(2), root + "/sys/fs/file-nr: No such file or directory");
  EXPECT_EQ(reason(3), root + "/sys/fs/file-nr: No such file or directory");
  EXPECT_EQ(reason(4), "meminfo: no key 'NoSuchKey'");
  EXPECT_EQ(reason(5), "net/snmp: no key 'Tcp:NoSuchField'");
  EXPECT_EQ(reason(6), "stat: 'cpu' has no field 42");
  EXPECT_EQ(reason(7), root + "/sys/vm/overcommit_memory: No such file or directory");

  sources->begin_tick();
  for (std::uint16_t id = 2; id <= 7; ++id) {
    EXPECT_EQ(sources->read(id).status, SlotStatus::kUnavailable) << "id " << id;
  }
  EXPECT_TRUE(sources->availability(1).available);
  EXPECT_EQ(sources->read(1).status, SlotStatus::kOk);
  EXPECT_EQ(sources->read(8).status, SlotStatus::kOk);
}

TEST(LinuxSources, TypeMismatchAndBadSourceAreUnavailable) {
  ProcTree tree;
  const std::vector<registry::RegistryEntry> rows = {
      entry(1, ValueType::U64, "loadavg:0"),         // 0.52 is not a u64
      entry(2, ValueType::U64, "snmp:Tcp:MaxConn"),  // -1 is not a u64
      entry(3, ValueType::U64, "bogus:thing"),
      entry(4, ValueType::String, "sysctl:../../etc/passwd"),
      entry(5, ValueType::U64, "sysctl:kernel/hostname"),
  };
  auto sources = make_linux_sources(rows, tree.root());
  EXPECT_EQ(sources->availability(1).reason, "loadavg: '0' value '0.52' is not a valid U64");
  EXPECT_EQ(sources->availability(2).reason,
            "net/snmp: 'Tcp:MaxConn' value '-1' is not a valid U64");
  EXPECT_EQ(sources->availability(3).reason, "bad source 'bogus:thing': unknown kind 'bogus'");
  EXPECT_NE(sources->availability(4).reason.find("bad source"), std::string::npos);
  EXPECT_EQ(sources->availability(5).reason,
            "sys/kernel/hostname: value 'fixture-host' is not a valid U64");
  sources->begin_tick();
  for (std::uint16_t id = 1; id <= 5; ++id) {
    EXPECT_FALSE(sources->availability(id).available);
    EXPECT_EQ(sources->read(id).status, SlotStatus::kUnavailable) << "id " << id;
  }
}

TEST(LinuxSources, OtherPlatformsAndUnknownIdsAreUnavailable) {
  ProcTree tree;
  const std::vector<registry::RegistryEntry> rows = {
      entry(1, ValueType::U64, "meminfo:MemTotal"),
      entry(5, ValueType::U64, "hw.memsize", "darwin"),
      entry(6, ValueType::U64, "meminfo:MemTotal", "darwin"),
  };
  auto sources = make_linux_sources(rows, tree.root());
  sources->begin_tick();
  for (const std::uint16_t id : {5, 6}) {
    EXPECT_FALSE(sources->availability(id).available);
    EXPECT_EQ(sources->availability(id).reason, "not a linux metric (platform 'darwin')");
    EXPECT_EQ(sources->read(id).status, SlotStatus::kUnavailable);
  }
  for (const std::uint16_t id : {0, 2, 7, 65535}) {
    EXPECT_FALSE(sources->availability(id).available) << id;
    EXPECT_FALSE(sources->availability(id).reason.empty()) << id;
    EXPECT_EQ(sources->read(id).status, SlotStatus::kUnavailable) << id;
  }
  EXPECT_EQ(sources->read(1).status, SlotStatus::kOk);
}

TEST(LinuxSources, ChangesAreSeenOnTheNextTickNotWithinTheSameTick) {
  ProcTree tree;
  auto sources = make_linux_sources(kRows, tree.root());
  sources->begin_tick();
  expect_u64(*sources, 1, 24683620 * kKiB);
  EXPECT_EQ(sources->read(19).text, "fixture-host");
  expect_u64(*sources, 20, 1344);

  std::string meminfo = tree.read("meminfo");
  meminfo.replace(meminfo.find("24683620"), 8, "11111111");
  meminfo.replace(meminfo.find("24227116"), 8, "22222222");
  tree.write("meminfo", meminfo);
  tree.write("sys/kernel/hostname", "renamed-host\n");
  tree.write("sys/fs/file-nr", "2000\t0\t100\n");

  // Same tick: MemFree and field 2 of file-nr were not read yet, but their files were
  // refreshed this tick, so they still come from the same snapshot.
  expect_u64(*sources, 1, 24683620 * kKiB);
  expect_u64(*sources, 2, 24227116 * kKiB);
  EXPECT_EQ(sources->read(19).text, "fixture-host");
  expect_u64(*sources, 21, 9223372036854775807ULL);

  sources->begin_tick();
  expect_u64(*sources, 1, 11111111 * kKiB);
  expect_u64(*sources, 2, 22222222 * kKiB);
  EXPECT_EQ(sources->read(19).text, "renamed-host");
  expect_u64(*sources, 20, 2000);
  expect_u64(*sources, 21, 100);
}

TEST(LinuxSources, EachFileIsRefreshedAtMostOncePerTickAndOnlyWhenRead) {
  ProcTree tree;
  LinuxSources sources(kRows, tree.root());
  const std::uint64_t at_start = sources.refresh_count();
  EXPECT_EQ(at_start, 9U) << "construction reads each of the 9 files once";

  sources.begin_tick();
  EXPECT_EQ(sources.refresh_count(), at_start) << "begin_tick reads nothing";
  for (const std::uint16_t id : {1, 2, 3, 1}) (void)sources.read(id);  // meminfo
  EXPECT_EQ(sources.refresh_count(), at_start + 1);
  for (const std::uint16_t id : {6, 7, 8, 9, 10}) (void)sources.read(id);  // stat
  EXPECT_EQ(sources.refresh_count(), at_start + 2);
  for (const std::uint16_t id : {20, 21}) (void)sources.read(id);  // file-nr
  EXPECT_EQ(sources.refresh_count(), at_start + 3);

  sources.begin_tick();
  sources.begin_tick();
  EXPECT_EQ(sources.refresh_count(), at_start + 3) << "ticks without reads read no file";
  (void)sources.read(4);  // vmstat only
  EXPECT_EQ(sources.refresh_count(), at_start + 4);
}

TEST(LinuxSources, LaterFailuresAreReadErrorsAndRecover) {
  ProcTree tree;
  auto sources = make_linux_sources(kRows, tree.root());
  const std::string meminfo = tree.read("meminfo");
  const std::string loadavg = tree.read("loadavg");

  // MemFree vanishes, MemTotal stays.
  std::string without = meminfo;
  without.erase(without.find("MemFree:"),
                without.find('\n', without.find("MemFree:")) - without.find("MemFree:") + 1);
  tree.write("meminfo", without);
  tree.write("loadavg", "0.52 garbage");  // truncated and malformed
  tree.write("net/snmp", "Tcp: RtoAlgorithm MaxConn\nTcp: 1 -99999999999999999999\n");  // overflow
  sources->begin_tick();
  expect_u64(*sources, 1, 24683620 * kKiB);
  EXPECT_EQ(sources->read(2).status, SlotStatus::kReadError) << "key vanished";
  expect_u64(*sources, 11, std::bit_cast<std::uint64_t>(0.52));
  EXPECT_EQ(sources->read(12).status, SlotStatus::kReadError) << "field missing";
  EXPECT_EQ(sources->read(13).status, SlotStatus::kReadError);
  EXPECT_EQ(sources->read(16).status, SlotStatus::kReadError) << "overflow, not a wrapped value";
  EXPECT_EQ(sources->read(17).status, SlotStatus::kReadError) << "Udp section gone";
  EXPECT_TRUE(sources->availability(2).available) << "availability never changes";

  tree.write("meminfo", meminfo);
  tree.write("loadavg", loadavg);
  sources->begin_tick();
  expect_u64(*sources, 2, 24227116 * kKiB);
  expect_u64(*sources, 13, 2);
}

TEST(LinuxSources, FileThatOutgrowsItsBufferIsStillReadWhole) {
  ProcTree tree;
  auto sources = make_linux_sources(kRows, tree.root());
  // Push pgfault past 64 KiB into the file: the buffer must grow, and the value must be found.
  std::string vmstat;
  for (int i = 0; vmstat.size() < std::size_t{64} * 1024; ++i)
    vmstat += "nr_padding_" + std::to_string(i) + " 1\n";
  vmstat += "nr_free_pages 5\npgfault 77\n";
  tree.write("vmstat", vmstat);
  sources->begin_tick();
  expect_u64(*sources, 4, 77);
  expect_u64(*sources, 5, 5);
}

TEST(LinuxSources, SteadyStateTicksDoNotAllocate) {
  ProcTree tree;
  auto sources = make_linux_sources(kRows, tree.root());
  sources->begin_tick();
  for (const auto& row : kRows) ASSERT_EQ(sources->read(row.id).status, SlotStatus::kOk);

  test::AllocationCounter allocations;
  std::uint64_t sum = 0;
  for (int tick = 0; tick < 50; ++tick) {
    sources->begin_tick();
    for (const auto& row : kRows) sum += sources->read(row.id).bits;
  }
  EXPECT_EQ(allocations.count(), 0U);
  EXPECT_NE(sum, 0U);
}

TEST(LinuxSources, SteadyStateTicksOverEveryKindDoNotAllocate) {
  // The whole registry over the fixture trees: snmp, netstat, pressure, sysfs sizes and CPU
  // lists included.
  ProcTree tree;
  auto sources = make_linux_sources(registry::kEntries, tree.root(), test::fixture_sys().string());
  int available = 0;
  for (const auto& row : registry::kEntries) available += sources->availability(row.id).available;
  ASSERT_GT(available, 40);
  sources->begin_tick();
  for (const auto& row : registry::kEntries) (void)sources->read(row.id);

  test::AllocationCounter allocations;
  std::uint64_t sum = 0;
  for (int tick = 0; tick < 20; ++tick) {
    sources->begin_tick();
    for (const auto& row : registry::kEntries) sum += sources->read(row.id).bits;
  }
  EXPECT_EQ(allocations.count(), 0U);
  EXPECT_NE(sum, 0U);
}

// The real registry over the fixture tree: everything the fixture holds is read, and the rest
// (files left out of the fixture on purpose) is unavailable with a reason.
TEST(LinuxSources, NetstatPressurePerCpuAndSysfsFromTheFixtures) {
  ProcTree tree;
  const std::string sys = test::fixture_sys().string();
  const std::vector<registry::RegistryEntry> rows = {
      entry(1, ValueType::U64, "netstat:TcpExt:ListenOverflows"),             // 17
      entry(2, ValueType::U64, "netstat:TcpExt:TCPBacklogDrop"),              // 5
      entry(3, ValueType::U64, "netstat:IpExt:InOctets"),                     // 18699353
      entry(4, ValueType::F64, "pressure:cpu:some:avg10"),                    // 1.25
      entry(5, ValueType::U64, "pressure:cpu:some:total"),                    // 123456
      entry(6, ValueType::F64, "pressure:memory:full:avg60"),                 // 2.00
      entry(7, ValueType::U64, "pressure:memory:full:total"),                 // 8765432
      entry(8, ValueType::U64, "stat:cpu0:3"),                                // 86390
      entry(9, ValueType::U64, "stat:cpu1:4"),                                // 311
      entry(10, ValueType::U64, "sysfs:devices/system/cpu/online:cpulist"),   // 0-1
      entry(11, ValueType::U64, "sysfs:devices/system/cpu/offline:cpulist"),  // (empty)
      entry(12, ValueType::U64, "sysfs:devices/system/cpu/cpu0/cache/index0/size:size"),  // 32K
      entry(13, ValueType::U64, "sysfs:devices/system/cpu/cpu1/topology/core_id"),        // 1
      entry(14, ValueType::String, "sysfs:kernel/mm/transparent_hugepage/enabled"),
      entry(15, ValueType::U64, "snmp:Udp:InDatagrams"),  // snmp and netstat stay apart: 23
  };
  auto sources = make_linux_sources(rows, tree.root(), sys);
  for (const auto& row : rows) {
    EXPECT_TRUE(sources->availability(row.id).available)
        << row.source << ": " << sources->availability(row.id).reason;
  }
  sources->begin_tick();
  expect_u64(*sources, 1, 17);
  expect_u64(*sources, 2, 5);
  expect_u64(*sources, 3, 18699353);
  expect_u64(*sources, 4, std::bit_cast<std::uint64_t>(1.25));
  expect_u64(*sources, 5, 123456);
  expect_u64(*sources, 6, std::bit_cast<std::uint64_t>(2.0));
  expect_u64(*sources, 7, 8765432);
  expect_u64(*sources, 8, 86390);
  expect_u64(*sources, 9, 311);
  expect_u64(*sources, 10, 2);
  expect_u64(*sources, 11, 0);
  expect_u64(*sources, 12, 32 * kKiB);
  expect_u64(*sources, 13, 1);
  EXPECT_EQ(sources->read(14).text, "always [madvise] never");
  expect_u64(*sources, 15, 23);

  // A second tick sees changed PSI values through the same descriptor.
  tree.write("pressure/cpu",
             "some avg10=3.50 avg60=0.50 avg300=0.07 total=200000\n"
             "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
  sources->begin_tick();
  expect_u64(*sources, 4, std::bit_cast<std::uint64_t>(3.5));
  expect_u64(*sources, 5, 200000);
}

TEST(LinuxSources, AbsentPressureCpusAndSysfsAreUnavailableWithAReason) {
  ProcTree tree;
  const std::string sys = test::fixture_sys().string();
  const std::vector<registry::RegistryEntry> rows = {
      entry(1, ValueType::F64, "pressure:io:some:avg10"),  // no pressure/io in the fixture
      entry(2, ValueType::U64, "stat:cpu7:0"),             // a 2-CPU fixture
      entry(3, ValueType::U64, "sysfs:devices/system/cpu/cpu0/cache/index3/size:size"),
      entry(4, ValueType::U64, "pressure:cpu:some:avg10"),  // wrong type for an average
      entry(5, ValueType::U64, "netstat:TcpExt:NoSuchCounter"),
      entry(6, ValueType::U64, "sysfs:kernel/mm/transparent_hugepage/enabled:cpulist"),
  };
  auto sources = make_linux_sources(rows, tree.root(), sys);
  const auto reason = [&](std::uint16_t id) {
    EXPECT_FALSE(sources->availability(id).available) << "id " << id;
    return sources->availability(id).reason;
  };
  EXPECT_EQ(reason(1), tree.root() + "/pressure/io: No such file or directory");
  EXPECT_EQ(reason(2), "stat: no key 'cpu7'");
  EXPECT_EQ(reason(3),
            sys + "/devices/system/cpu/cpu0/cache/index3/size: No such file or directory");
  EXPECT_EQ(reason(4), "pressure/cpu: 'some:avg10' value '1.25' is not a valid U64");
  EXPECT_EQ(reason(5), "net/netstat: no key 'TcpExt:NoSuchCounter'");
  EXPECT_EQ(reason(6),
            sys +
                "/kernel/mm/transparent_hugepage/enabled: value 'always [madvise] never' "
                "is not a valid U64");
  sources->begin_tick();
  for (std::uint16_t id = 1; id <= 6; ++id) {
    EXPECT_EQ(sources->read(id).status, SlotStatus::kUnavailable) << "id " << id;
  }
}

TEST(LinuxSources, RealRegistryOverTheFixture) {
  ProcTree tree;
  auto sources = make_linux_sources(registry::kEntries, tree.root(), test::fixture_sys().string());
  sources->begin_tick();
  int linux_rows = 0;
  int ok = 0;
  for (const auto& row : registry::kEntries) {
    if (row.platform != "linux") continue;
    ++linux_rows;
    const Availability& a = sources->availability(row.id);
    const Reading r = sources->read(row.id);
    if (a.available) {
      // A rate has no value before its second sample: not yet published, never 0.
      const bool rate = row.source.starts_with("computed:cpu_busy");
      EXPECT_EQ(r.status, rate ? SlotStatus::kEmpty : SlotStatus::kOk) << row.name;
      ++ok;
    } else {
      EXPECT_FALSE(a.reason.empty()) << row.name;
      EXPECT_EQ(r.status, SlotStatus::kUnavailable) << row.name;
    }
  }
  EXPECT_GT(ok, 0);
  EXPECT_EQ(sources->availability(1).available, true) << sources->availability(1).reason;
  EXPECT_GE(linux_rows, ok);
}

}  // namespace
}  // namespace sysring::broker
