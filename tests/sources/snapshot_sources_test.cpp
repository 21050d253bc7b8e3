// SnapshotSources and the new procfs kinds through make_linux_sources: the fixture trees, a fake
// adjtimex, absent files (unavailable, never 0), and the real rows on this machine.
#include "snapshot_sources.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "alloc_counter.hpp"
#include "sysring/registry_data.hpp"
#include "test_support.hpp"

namespace sysring::broker {
namespace {

using layout::SlotStatus;
using schema::ValueType;
using test::entry;
using test::ProcTree;

std::string fixture(const char* name) {
  return (std::filesystem::path(SYSRING_SOURCES_FIXTURES) / name).string();
}

int fake_adjtimex(struct timex& out) {
  out = {};
  out.offset = -250;
  out.status = STA_PLL | STA_NANO;
  out.tai = 37;
  return TIME_OK;
}

int failing_adjtimex(struct timex& /*out*/) {
  errno = EPERM;  // a seccomp filter, say
  return -1;
}

SnapshotPaths fixture_paths(const ProcTree& tree) {
  SnapshotPaths paths;
  paths.proc_root = tree.root();
  paths.sys_root = test::fixture_sys().string();
  paths.os_release = {fixture("no-such-os-release"), fixture("os-release")};
  paths.adjtimex = fake_adjtimex;
  return paths;
}

void expect_value(MetricSources& s, std::uint16_t id, std::uint64_t want) {
  const Reading r = s.read(id);
  EXPECT_EQ(r.status, SlotStatus::kOk) << "id " << id << ": " << s.availability(id).reason;
  EXPECT_EQ(r.bits, want) << "id " << id;
}

const std::vector<registry::RegistryEntry> kRows = {
    entry(1, ValueType::I64, "timex:offset"),
    entry(2, ValueType::I64, "timex:tai"),
    entry(3, ValueType::I64, "timex:sync_status"),
    entry(4, ValueType::I64, "timex:nano"),
    entry(5, ValueType::U64, "conntrack_stat:found"),           // 3 + 4
    entry(6, ValueType::U64, "conntrack_stat:search_restart"),  // 2 + 0
    entry(7, ValueType::U64, "udp_queues:v4:tx"),               // 0x10
    entry(8, ValueType::U64, "udp_queues:v4:rx"),               // 0x200 + 0x1
    entry(9, ValueType::U64, "udp_queues:v6:rx"),               // 0x1000
    entry(10, ValueType::U64, "selinux:enabled"),               // the fixture has enforce
    entry(11, ValueType::String, "os_release:PRETTY_NAME"),
    entry(12, ValueType::String, "os_release:ID_LIKE"),
    entry(13, ValueType::String, "os_release:VERSION_CODENAME"),
    entry(14, ValueType::String, "os_release:IMAGE_ID"),  // absent: an empty string
};

TEST(SnapshotSources, ReadsEveryKindFromTheFixtures) {
  ProcTree tree;
  SnapshotSources sources(kRows, fixture_paths(tree));
  for (const auto& row : kRows) {
    EXPECT_TRUE(sources.availability(row.id).available)
        << row.source << ": " << sources.availability(row.id).reason;
  }
  sources.begin_tick();
  expect_value(sources, 1, static_cast<std::uint64_t>(-250));
  expect_value(sources, 2, 37);
  expect_value(sources, 3, 1);
  expect_value(sources, 4, 1);
  expect_value(sources, 5, 7);
  expect_value(sources, 6, 2);
  expect_value(sources, 7, 0x10);
  expect_value(sources, 8, 0x201);
  expect_value(sources, 9, 0x1000);
  expect_value(sources, 10, 1);
  EXPECT_EQ(sources.read(11).text, R"x(Fixture Linux 42 "Answer" ($HOME))x");
  EXPECT_EQ(sources.read(12).text, "debian ubuntu");
  EXPECT_EQ(sources.read(13).text, "answer one");
  const Reading absent = sources.read(14);
  EXPECT_EQ(absent.status, SlotStatus::kOk);
  EXPECT_EQ(absent.text, "");

  // The next tick re-reads the tables; a socket's queue grew.
  tree.write("net/udp",
             "   sl  local_address rem_address   st tx_queue rx_queue\n"
             "  100: 00000000:0044 00000000:0000 07 00000000:00000300 00:00000000\n");
  sources.begin_tick();
  expect_value(sources, 8, 0x300);
}

TEST(SnapshotSources, WhatTheMachineLacksIsUnavailableWithAReason) {
  ProcTree tree;
  tree.remove("net/stat/nf_conntrack");  // no nf_conntrack module
  tree.remove("net/udp6");               // IPv6 disabled
  SnapshotPaths paths = fixture_paths(tree);
  paths.sys_root = tree.root();  // no fs/selinux: SELinux off, which is a value (0)
  paths.os_release = {fixture("no-such-os-release")};
  paths.adjtimex = failing_adjtimex;
  const std::vector<registry::RegistryEntry> rows = {
      entry(1, ValueType::I64, "timex:offset"),
      entry(2, ValueType::U64, "conntrack_stat:found"),
      entry(3, ValueType::U64, "udp_queues:v4:tx"),
      entry(4, ValueType::U64, "udp_queues:v6:tx"),
      entry(5, ValueType::U64, "selinux:enabled"),
      entry(6, ValueType::String, "os_release:NAME"),
      entry(7, ValueType::U64, "timex:offset"),  // timex values are i64
      entry(8, ValueType::U64, "conntrack_stat:nonsense"),
      entry(9, ValueType::U64, "udp_queues:v5:tx"),
      entry(10, ValueType::U64, "selinux:enforcing"),
  };
  SnapshotSources sources(rows, paths);
  const auto reason = [&](std::uint16_t id) {
    EXPECT_FALSE(sources.availability(id).available) << "id " << id;
    return sources.availability(id).reason;
  };
  EXPECT_EQ(reason(1), "adjtimex: Operation not permitted");
  EXPECT_EQ(reason(2), tree.root() + "/net/stat/nf_conntrack: No such file or directory");
  EXPECT_TRUE(sources.availability(3).available) << sources.availability(3).reason;
  EXPECT_EQ(reason(4), tree.root() + "/net/udp6: No such file or directory");
  EXPECT_EQ(reason(6), fixture("no-such-os-release") + ": No such file or directory");
  EXPECT_EQ(reason(7), "bad source 'timex:offset': timex values are i64");
  EXPECT_EQ(reason(8), "bad source 'conntrack_stat:nonsense': no conntrack statistic 'nonsense'");
  EXPECT_EQ(reason(9), "bad source 'udp_queues:v5:tx': expected udp_queues:v4|v6:tx|rx");
  EXPECT_EQ(reason(10), "bad source 'selinux:enforcing': expected selinux:enabled");
  sources.begin_tick();
  expect_value(sources, 5, 0);
  for (const std::uint16_t id : {1, 2, 4, 6, 7}) {
    EXPECT_EQ(sources.read(id).status, SlotStatus::kUnavailable) << "id " << id;
  }
}

TEST(SnapshotSources, ATableThatTurnsBadIsAReadErrorForThatTick) {
  ProcTree tree;
  SnapshotSources sources(kRows, fixture_paths(tree));
  tree.write("net/stat/nf_conntrack", "entries found\n0000000z\n");
  sources.begin_tick();
  EXPECT_EQ(sources.read(5).status, SlotStatus::kReadError);
  tree.write("net/stat/nf_conntrack", "entries found\n00000001 00000009\n00000001 00000001\n");
  sources.begin_tick();
  expect_value(sources, 5, 10);
}

TEST(SnapshotSources, SteadyStateTicksDoNotAllocate) {
  ProcTree tree;
  SnapshotSources sources(kRows, fixture_paths(tree));
  sources.begin_tick();
  for (const auto& row : kRows) (void)sources.read(row.id);
  test::AllocationCounter allocations;
  for (int tick = 0; tick < 10; ++tick) {
    sources.begin_tick();
    for (const auto& row : kRows) (void)sources.read(row.id);
  }
  EXPECT_EQ(allocations.count(), 0U);
}

// snmp6, sockstat6, the new sockstat and meminfo keys and computed:page_size through
// make_linux_sources: what the fixture has is read, a meminfo key it lacks is unavailable.
TEST(LinuxSourcesNewKinds, Snmp6Sockstat6MeminfoAndPageSize) {
  ProcTree tree;
  const std::vector<registry::RegistryEntry> rows = {
      entry(1, ValueType::U64, "snmp6:Ip6:InOctets"),        // 123456
      entry(2, ValueType::U64, "snmp6:Icmp6:OutMsgs"),       // 12
      entry(3, ValueType::U64, "snmp6:Udp6:IgnoredMulti"),   // 9
      entry(4, ValueType::U64, "snmp6:UdpLite6:InErrors"),   // 6
      entry(5, ValueType::U64, "sockstat6:TCP6:inuse"),      // 7
      entry(6, ValueType::U64, "sockstat6:FRAG6:memory"),    // 4096
      entry(7, ValueType::U64, "sockstat:TCP:mem"),          // 1
      entry(8, ValueType::U64, "sockstat:FRAG:memory"),      // 0
      entry(9, ValueType::U64, "computed:page_size"),        // sysconf
      entry(10, ValueType::U64, "meminfo:CmaTotal"),         // not in the fixture
      entry(11, ValueType::U64, "snmp6:Ip6:NoSuchCounter"),  // likewise
      entry(12, ValueType::I64, "timex:tai"),                // the real adjtimex
      entry(13, ValueType::U64, "conntrack_stat:insert"),    // 5 + 6
  };
  auto sources = make_linux_sources(rows, tree.root(), test::fixture_sys().string());
  sources->begin_tick();
  expect_value(*sources, 1, 123456);
  expect_value(*sources, 2, 12);
  expect_value(*sources, 3, 9);
  expect_value(*sources, 4, 6);
  expect_value(*sources, 5, 7);
  expect_value(*sources, 6, 4096);
  expect_value(*sources, 7, 1);
  expect_value(*sources, 8, 0);
  expect_value(*sources, 9, static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)));
  EXPECT_EQ(sources->availability(10).reason, "meminfo: no key 'CmaTotal'");
  EXPECT_EQ(sources->read(10).status, SlotStatus::kUnavailable);
  EXPECT_EQ(sources->availability(11).reason, "net/snmp6: no key 'Ip6:NoSuchCounter'");
  EXPECT_TRUE(sources->availability(12).available) << sources->availability(12).reason;
  expect_value(*sources, 13, 11);
}

// The real rows of the new kinds against this machine: what every Linux kernel has is read.
TEST(LinuxSourcesNewKinds, RealRowsBindOnThisMachine) {
  if (!std::filesystem::exists("/proc/meminfo")) GTEST_SKIP() << "no Linux /proc here";
  auto sources = make_linux_sources(registry::kEntries);
  sources->begin_tick();
  const auto row = [](std::string_view name) {
    for (const auto& e : registry::kEntries) {
      if (e.name == name) return e;
    }
    ADD_FAILURE() << "no row " << name;
    return registry::kEntries[0];
  };
  std::vector<std::string_view> always = {"hw.page_size",         "time.timex.offset",
                                          "time.timex.tick",      "time.timex.sync_status",
                                          "time.timex.nano",      "kern.selinux_enabled",
                                          "net.sockstat.tcp_mem", "net.sockstat.frag_memory",
                                          "net.udp.queue_tx",     "net.udp.queue_rx"};
  if (std::filesystem::exists("/proc/net/snmp6")) {
    always.insert(always.end(), {"net.ip6.in_octets", "net.udp6.in_datagrams",
                                 "net.sockstat6.tcp6_inuse", "net.udp6.queue_rx"});
  }
  if (std::filesystem::exists("/proc/net/stat/nf_conntrack")) {
    always.insert(always.end(), {"net.netfilter.conntrack_stat.found"});
  }
  if (std::filesystem::exists("/etc/os-release") ||
      std::filesystem::exists("/usr/lib/os-release")) {
    always.insert(always.end(), {"os.id", "os.image_id"});
  }
  for (const std::string_view name : always) {
    const auto& e = row(name);
    EXPECT_TRUE(sources->availability(e.id).available)
        << name << ": " << sources->availability(e.id).reason;
    EXPECT_EQ(sources->read(e.id).status, SlotStatus::kOk) << name;
  }
  EXPECT_EQ(sources->read(row("hw.page_size").id).bits,
            static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)));
  EXPECT_EQ(sources->read(row("kern.selinux_enabled").id).bits,
            std::filesystem::exists("/sys/fs/selinux/enforce") ? 1U : 0U);
}

}  // namespace
}  // namespace sysring::broker
