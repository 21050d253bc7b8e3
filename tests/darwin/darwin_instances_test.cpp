// The darwin instance sources over a fake kernel: every registry row binds, instances appear and
// disappear across refreshes with node_exporter's names and labels, exclusions, a failed first
// read or a bad row unavailable with a reason, and a failed refresh reporting nothing.
#include "darwin_instances.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_instance_seam.hpp"
#include "instance_fixtures.hpp"
#include "recording_sink.hpp"
#include "sysring/registry_data.hpp"

namespace sysring::broker {
namespace {

using namespace sysring::darwin_fixtures;
using darwin::kIffUp;
using darwin::kMntRdonly;
using layout::SlotStatus;
using schema::InstanceDomain;
using schema::ValueType;
using test::RecordingSink;

constexpr std::uint16_t kTicksUser = 2500, kTicksIdle = 2502, kTicksNice = 2503;
constexpr std::uint16_t kRxBytes = 2520, kTxPackets = 2523, kMtu = 2531, kUp = 2534;
constexpr std::uint16_t kSize = 2560, kAvail = 2562, kReadonly = 2565;

std::vector<registry::RegistryEntry> darwin_rows() {
  std::vector<registry::RegistryEntry> out;
  for (const auto& e : registry::kEntries) {
    if (e.platform == "darwin") out.push_back(e);
  }
  return out;
}

registry::RegistryEntry row(std::uint16_t id, InstanceDomain domain, std::string_view source,
                            ValueType type = ValueType::U64) {
  return {id,
          "darwin.test",
          "test",
          type,
          domain,
          "count",
          schema::AccessPattern::Polled,
          schema::AccessPattern::Polled,
          1000,
          "darwin",
          source,
          "test row"};
}

// A Mac with two CPUs, en0 + lo0 + utun0, and /, /dev, a data volume and a read-only share.
struct Fixture {
  std::unique_ptr<FakeInstanceSeam> owned = std::make_unique<FakeInstanceSeam>();
  FakeInstanceSeam* kernel = owned.get();  // stays valid: the sources own it once built
  Fixture() {
    kernel->cpu_load.reply = cpu_load_reply({{100, 50, 1000, 7}, {200, 60, 900, 8}});
    kernel->interfaces.reply =
        concat({ifinfo2({.name = "lo0", .index = 1, .flags = kIffUp, .base = 10, .mtu = 16384}),
                newaddr(1), ifinfo2({.name = "en0", .index = 4, .base = 5000}), newaddr(4),
                ifinfo2({.name = "utun0", .index = 9, .base = 70, .mtu = 1380})});
    kernel->mounts.reply = mount_reply(
        {{.mount_point = "/", .device = "/dev/disk3s1s1", .fs_type = "apfs", .flags = kMntRdonly},
         {.mount_point = "/dev", .device = "devfs", .fs_type = "devfs"},
         {.mount_point = "/System/Volumes/Data",
          .device = "/dev/disk3s5",
          .fs_type = "apfs",
          .blocks = 2000},
         {.mount_point = "/Volumes/share",
          .device = "//me@nas/share",
          .fs_type = "smbfs",
          .bsize = 512,
          .blocks = 10,
          .flags = kMntRdonly}});
  }
  std::vector<std::unique_ptr<InstanceSource>> build(const DarwinInstanceFilters& filters = {}) {
    return make_darwin_instance_sources(darwin_rows(), std::move(owned), filters);
  }
};

InstanceSource& of(std::vector<std::unique_ptr<InstanceSource>>& sources, InstanceDomain d) {
  for (auto& s : sources) {
    if (s->domain() == d) return *s;
  }
  throw std::runtime_error("no source for the domain");
}

std::uint64_t value(const RecordingSink& sink, std::uint16_t family, const std::string& name) {
  const Reading* r = sink.reading(family, name);
  EXPECT_NE(r, nullptr) << family << " " << name;
  if (r == nullptr) return UINT64_MAX;
  EXPECT_EQ(r->status, SlotStatus::kOk) << family << " " << name;
  return r->bits;
}

std::vector<std::string> names(const RecordingSink& sink) {
  std::vector<std::string> out;
  for (const auto& [name, seen] : sink.present()) out.push_back(name);
  return out;
}

void refresh(InstanceSource& source, RecordingSink& sink) {
  sink.begin();
  source.refresh(sink);
}

TEST(DarwinInstances, EveryRegistryRowOfTheThreeDomainsBinds) {
  Fixture f;
  auto sources = f.build();
  ASSERT_EQ(sources.size(), 3u);
  std::size_t rows = 0;
  for (const auto& e : darwin_rows()) {
    if (e.domain == InstanceDomain::None) continue;
    ++rows;
    const InstanceSource& s = of(sources, e.domain);
    EXPECT_TRUE(s.owns_domain());
    const Availability& a = s.availability(e.id);
    EXPECT_TRUE(a.available) << e.name << ": " << a.reason;
  }
  EXPECT_EQ(rows, 26u);
  EXPECT_EQ(of(sources, InstanceDomain::Cpu).families().size(), 4u);
  EXPECT_EQ(of(sources, InstanceDomain::Netif).families().size(), 16u);
  EXPECT_EQ(of(sources, InstanceDomain::Filesystem).families().size(), 6u);
  EXPECT_FALSE(of(sources, InstanceDomain::Cpu).availability(kRxBytes).available);
}

TEST(DarwinInstances, CpusAreNamedAndLabelledLikeNodeExporter) {
  Fixture f;
  auto sources = f.build();
  InstanceSource& cpu = of(sources, InstanceDomain::Cpu);
  EXPECT_EQ(cpu.instances_at_start(), 2u);
  RecordingSink sink;
  refresh(cpu, sink);
  EXPECT_EQ(names(sink), (std::vector<std::string>{"cpu0", "cpu1"}));
  EXPECT_EQ(sink.present().at("cpu1").labels, (std::map<std::string, std::string>{{"cpu", "1"}}));
  EXPECT_EQ(value(sink, kTicksUser, "cpu0"), 100u);
  EXPECT_EQ(value(sink, kTicksIdle, "cpu1"), 900u);
  EXPECT_EQ(value(sink, kTicksNice, "cpu1"), 8u);

  f.kernel->cpu_load.reply = cpu_load_reply({{101, 50, 1001, 7}, {201, 60, 901, 8}, {1, 2, 3, 4}});
  refresh(cpu, sink);
  EXPECT_EQ(names(sink), (std::vector<std::string>{"cpu0", "cpu1", "cpu2"}));
  EXPECT_EQ(value(sink, kTicksUser, "cpu0"), 101u);
  EXPECT_EQ(value(sink, kTicksNice, "cpu2"), 4u);
}

TEST(DarwinInstances, AFailedOrMalformedReadReportsNoInstance) {
  Fixture f;
  auto sources = f.build();
  InstanceSource& cpu = of(sources, InstanceDomain::Cpu);
  RecordingSink sink;
  f.kernel->cpu_load.error = EIO;
  refresh(cpu, sink);
  EXPECT_TRUE(sink.present().empty());
  f.kernel->cpu_load.error = 0;
  f.kernel->cpu_load.reply.resize(20);  // a record and a bit
  refresh(cpu, sink);
  EXPECT_TRUE(sink.present().empty());
  f.kernel->cpu_load.reply = cpu_load_reply({{1, 1, 1, 1}});
  refresh(cpu, sink);
  EXPECT_EQ(names(sink), std::vector<std::string>{"cpu0"});
}

TEST(DarwinInstances, InterfacesComeAndGoWithTheirCounters) {
  Fixture f;
  auto sources = f.build();
  InstanceSource& netif = of(sources, InstanceDomain::Netif);
  EXPECT_EQ(netif.instances_at_start(), 3u);
  RecordingSink sink;
  refresh(netif, sink);
  EXPECT_EQ(names(sink), (std::vector<std::string>{"en0", "lo0", "utun0"}));
  EXPECT_EQ(sink.present().at("en0").labels,
            (std::map<std::string, std::string>{{"device", "en0"}}));
  EXPECT_EQ(value(sink, kRxBytes, "en0"), 5000u * 1024);
  EXPECT_EQ(value(sink, kTxPackets, "en0"), 5002u);
  EXPECT_EQ(value(sink, kMtu, "lo0"), 16384u);
  EXPECT_EQ(value(sink, kUp, "utun0"), 1u);

  // en0 is gone, bridge0 came (named after a gateway sockaddr, NUL-padded).
  f.kernel->interfaces.reply = concat(
      {ifinfo2({.name = "lo0", .flags = 0, .base = 11}),
       ifinfo2({.name = "bridge0", .index = 12, .name_nul_padding = 3, .gateway_first = true})});
  refresh(netif, sink);
  EXPECT_EQ(names(sink), (std::vector<std::string>{"bridge0", "lo0"}));
  EXPECT_EQ(value(sink, kUp, "lo0"), 0u);
  EXPECT_EQ(value(sink, kRxBytes, "lo0"), 11u * 1024);
}

TEST(DarwinInstances, ExcludedInterfacesAreNeverReported) {
  Fixture f;
  DarwinInstanceFilters filters;
  filters.netif_exclude = R"(^(utun|lo)\d+$)";
  auto sources = f.build(filters);
  InstanceSource& netif = of(sources, InstanceDomain::Netif);
  EXPECT_EQ(netif.instances_at_start(), 1u);
  RecordingSink sink;
  refresh(netif, sink);
  EXPECT_EQ(names(sink), std::vector<std::string>{"en0"});
}

TEST(DarwinInstances, FilesystemsByMountPointWithDeviceAndTypeLabels) {
  Fixture f;
  auto sources = f.build();
  InstanceSource& fs = of(sources, InstanceDomain::Filesystem);
  EXPECT_EQ(fs.instances_at_start(), 3u);  // /dev (devfs) is left out
  RecordingSink sink;
  refresh(fs, sink);
  EXPECT_EQ(names(sink), (std::vector<std::string>{"/", "/System/Volumes/Data", "/Volumes/share"}));
  EXPECT_EQ(
      sink.present().at("/Volumes/share").labels,
      (std::map<std::string, std::string>{
          {"device", "//me@nas/share"}, {"fstype", "smbfs"}, {"mountpoint", "/Volumes/share"}}));
  EXPECT_EQ(value(sink, kSize, "/System/Volumes/Data"), 2000u * 4096);
  EXPECT_EQ(value(sink, kAvail, "/Volumes/share"), 500u * 512);
  EXPECT_EQ(value(sink, kReadonly, "/"), 1u);
  EXPECT_EQ(value(sink, kReadonly, "/System/Volumes/Data"), 0u);

  // The share is unmounted; a disk image mounts over the data volume's path.
  f.kernel->mounts.reply = mount_reply(
      {{.mount_point = "/", .device = "/dev/disk3s1s1", .fs_type = "apfs"},
       {.mount_point = "/System/Volumes/Data", .device = "/dev/disk3s5", .fs_type = "apfs"},
       {.mount_point = "/System/Volumes/Data",
        .device = "/dev/disk9s1",
        .fs_type = "hfs",
        .blocks = 77}});
  refresh(fs, sink);
  EXPECT_EQ(names(sink), (std::vector<std::string>{"/", "/System/Volumes/Data"}));
  EXPECT_EQ(sink.present().at("/System/Volumes/Data").labels.at("device"), "/dev/disk9s1");
  EXPECT_EQ(value(sink, kSize, "/System/Volumes/Data"), 77u * 4096);
}

TEST(DarwinInstances, FilesystemExclusionsFollowTheFilters) {
  Fixture f;
  DarwinInstanceFilters filters;
  filters.fs_types_exclude = "^(smbfs|devfs)$";
  filters.mount_points_exclude = "^/System/";
  auto sources = f.build(filters);
  RecordingSink sink;
  refresh(of(sources, InstanceDomain::Filesystem), sink);
  EXPECT_EQ(names(sink), std::vector<std::string>{"/"});
}

TEST(DarwinInstances, AFullPoolGetsNoValues) {
  Fixture f;
  auto sources = f.build();
  RecordingSink sink;
  sink.refuse_all = true;
  for (auto& s : sources) {
    refresh(*s, sink);
    EXPECT_EQ(sink.reading(kTicksUser, "cpu0"), nullptr);
    EXPECT_EQ(sink.reading(kRxBytes, "en0"), nullptr);
    EXPECT_EQ(sink.reading(kSize, "/"), nullptr);
  }
}

TEST(DarwinInstances, AFailedFirstReadMakesTheDomainUnavailableWithTheCall) {
  Fixture f;
  f.kernel->cpu_load.error = EIO;
  f.kernel->interfaces.error = EPERM;
  f.kernel->mounts.reply.resize(100);
  auto sources = f.build();
  const Availability& cpu = of(sources, InstanceDomain::Cpu).availability(kTicksUser);
  EXPECT_FALSE(cpu.available);
  EXPECT_EQ(cpu.reason, "host_processor_info: Input/output error");
  const Availability& netif = of(sources, InstanceDomain::Netif).availability(kRxBytes);
  EXPECT_FALSE(netif.available);
  EXPECT_EQ(netif.reason, "sysctl NET_RT_IFLIST2: Operation not permitted");
  const Availability& fs = of(sources, InstanceDomain::Filesystem).availability(kSize);
  EXPECT_FALSE(fs.available);
  EXPECT_EQ(fs.reason, "getfsstat: unexpected reply length (100 bytes)");
  EXPECT_EQ(of(sources, InstanceDomain::Cpu).instances_at_start(), 0u);
}

TEST(DarwinInstances, RowsTheSourcesCannotDecodeAreUnavailableWithAReason) {
  const std::vector<registry::RegistryEntry> rows = {
      row(2590, InstanceDomain::Cpu, "host_processor_info:iowait"),
      row(2591, InstanceDomain::Cpu, "sysctl:hw.ncpu"),
      row(2592, InstanceDomain::Netif, "iflist2:ibytes", ValueType::F64),
      row(2593, InstanceDomain::Filesystem, "getfsstat:"),
      row(2594, InstanceDomain::Netif, "iflist2:obytes"),
      row(2595, InstanceDomain::Disk, "iokit:reads")};
  auto sources = make_darwin_instance_sources(rows, std::make_unique<FakeInstanceSeam>());
  ASSERT_EQ(sources.size(), 3u);  // no disk source
  const auto reason = [&](InstanceDomain d, std::uint16_t id) {
    const Availability& a = of(sources, d).availability(id);
    EXPECT_FALSE(a.available) << id;
    return a.reason;
  };
  EXPECT_EQ(reason(InstanceDomain::Cpu, 2590), "host_processor_info: no field 'iowait'");
  EXPECT_EQ(reason(InstanceDomain::Cpu, 2591),
            "bad source 'sysctl:hw.ncpu': expected host_processor_info:FIELD");
  EXPECT_EQ(reason(InstanceDomain::Netif, 2592), "iflist2:ibytes is u64, not F64");
  EXPECT_EQ(reason(InstanceDomain::Filesystem, 2593),
            "bad source 'getfsstat:': expected getfsstat:FIELD");
  // The fake's empty interface list is a working call with no interface.
  EXPECT_TRUE(of(sources, InstanceDomain::Netif).availability(2594).available);
}

TEST(DarwinInstances, ABadExclusionPatternIsAReasonNotACrash) {
  Fixture f;
  DarwinInstanceFilters filters;
  filters.netif_exclude = "(unclosed";
  filters.fs_types_exclude = "[z-a]";
  auto sources = f.build(filters);
  const Availability& netif = of(sources, InstanceDomain::Netif).availability(kRxBytes);
  EXPECT_FALSE(netif.available);
  EXPECT_TRUE(netif.reason.starts_with("bad exclusion pattern '(unclosed'")) << netif.reason;
  EXPECT_FALSE(of(sources, InstanceDomain::Filesystem).availability(kSize).available);
  RecordingSink sink;
  refresh(of(sources, InstanceDomain::Netif), sink);
  EXPECT_TRUE(sink.present().empty());
  EXPECT_EQ(f.kernel->interfaces.calls, 0);
}

TEST(DarwinInstances, OneKernelCallPerRefresh) {
  Fixture f;
  auto sources = f.build();
  RecordingSink sink;
  for (auto& s : sources) refresh(*s, sink);
  EXPECT_EQ(f.kernel->cpu_load.calls, 2);  // construction, then the refresh
  EXPECT_EQ(f.kernel->interfaces.calls, 2);
  EXPECT_EQ(f.kernel->mounts.calls, 2);
}

}  // namespace
}  // namespace sysring::broker
