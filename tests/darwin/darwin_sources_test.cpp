// DarwinSources over a fake kernel: start-up checks (unknown names, format versus registry
// type, failed first reads), one sysctl per node and tick, strings that change length, truncated
// replies, computed rows, and the whole darwin registry binding over a fake that has its nodes.
#include "darwin_sources.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <memory>
#include <vector>

#include "fake_sysctl.hpp"
#include "sysring/registry_data.hpp"

namespace sysring::broker {
namespace {

using namespace sysring::darwin_fixtures;
using layout::SlotStatus;
using schema::ValueType;

registry::RegistryEntry row(std::uint16_t id, ValueType type, std::string_view source,
                            std::string_view platform = "darwin") {
  return {id,
          "test.metric",
          "test",
          type,
          schema::InstanceDomain::None,
          "count",
          schema::AccessPattern::Polled,
          schema::AccessPattern::Polled,
          1000,
          platform,
          source,
          "test row"};
}

struct Fixture {
  std::unique_ptr<FakeSysctl> owned = std::make_unique<FakeSysctl>();
  FakeSysctl* kernel = owned.get();  // stays valid: the sources own it once built
  std::unique_ptr<DarwinSources> sources;

  void build(const std::vector<registry::RegistryEntry>& rows) {
    sources = std::make_unique<DarwinSources>(rows, std::move(owned));
  }
  Reading tick_read(std::uint16_t id) {
    sources->begin_tick();
    return sources->read(id);
  }
};

TEST(DarwinSources, UnknownNamesAreUnavailableWithAReasonAndNeverRead) {
  Fixture f;
  f.kernel->set_int("hw.ncpu", 10, 4, "I");
  f.build({row(1, ValueType::I64, "sysctl:hw.ncpu"), row(2, ValueType::I64, "sysctl:hw.nope")});
  EXPECT_TRUE(f.sources->availability(1).available);
  const Availability& a = f.sources->availability(2);
  EXPECT_FALSE(a.available);
  EXPECT_EQ(a.reason, "sysctl hw.nope: unknown name on this kernel");
  const int reads = f.kernel->reads;
  EXPECT_EQ(f.tick_read(2).status, SlotStatus::kUnavailable);
  EXPECT_EQ(f.kernel->reads, reads);
  EXPECT_EQ(f.tick_read(1).bits, 10u);
}

TEST(DarwinSources, AFormatThatDoesNotMatchTheRegistryTypeIsUnavailable) {
  Fixture f;
  f.kernel->set_string("kern.ostype", "Darwin");
  f.kernel->set_int("hw.memsize", 16ULL << 30, 8, "Q", kQuad);
  f.kernel->set_struct("kern.boottime", "timeval", boottime());
  f.kernel->nodes["hw.cacheconfig"] = {format_reply(kRd | kOpaque, "Q"), ByteVec(80, 0)};
  f.build({row(1, ValueType::I64, "sysctl:kern.ostype"),         // string node, integer row
           row(2, ValueType::String, "sysctl:hw.memsize"),       // integer node, string row
           row(3, ValueType::I64, "sysctl:kern.boottime"),       // a struct needs a field
           row(4, ValueType::I64, "sysctl:hw.memsize:total"),    // not a struct
           row(5, ValueType::I64, "sysctl:kern.boottime:nsec"),  // no such field
           row(6, ValueType::F64, "sysctl:kern.boottime:sec"),   // a field of the wrong type
           row(7, ValueType::U64, "sysctl:kern.boottime:[0]"),   // not an array
           row(8, ValueType::String, "sysctl:hw.cacheconfig:[0]"),
           row(9, ValueType::U64, "sysctl:hw.cacheconfig:[1]")});
  EXPECT_EQ(f.sources->availability(1).reason,
            "sysctl kern.ostype: format 'A' (string, kind 0xc1000003) does not match registry "
            "type I64");
  EXPECT_NE(f.sources->availability(2).reason.find("format 'Q' (integer"), std::string::npos);
  EXPECT_NE(f.sources->availability(3).reason.find("(struct"), std::string::npos);
  EXPECT_NE(f.sources->availability(4).reason.find("is not a struct"), std::string::npos);
  EXPECT_NE(f.sources->availability(5).reason.find("no field 'nsec'"), std::string::npos);
  EXPECT_NE(f.sources->availability(6).reason.find("cannot be published as F64"),
            std::string::npos);
  EXPECT_NE(f.sources->availability(7).reason.find("not a u64 array"), std::string::npos);
  EXPECT_FALSE(f.sources->availability(8).available);
  EXPECT_TRUE(f.sources->availability(9).available) << f.sources->availability(9).reason;
  for (std::uint16_t id = 1; id <= 8; ++id) {
    EXPECT_EQ(f.tick_read(id).status, SlotStatus::kUnavailable) << id;
  }
}

TEST(DarwinSources, EachNameIsResolvedAndTypeCheckedOnceAndReadOncePerTick) {
  Fixture f;
  f.kernel->set_struct("vm.swapusage", "xsw_usage", swapusage());
  f.build({row(1, ValueType::U64, "sysctl:vm.swapusage:total"),
           row(2, ValueType::U64, "sysctl:vm.swapusage:used"),
           row(3, ValueType::F64, "computed:swap_used_percent")});
  EXPECT_EQ(f.kernel->resolves, 1);
  EXPECT_EQ(f.kernel->format_queries, 1);
  EXPECT_EQ(f.kernel->reads, 1);  // the first read at start
  f.sources->begin_tick();
  EXPECT_EQ(f.sources->read(1).bits, 2ULL << 30);
  EXPECT_EQ(f.sources->read(2).bits, 1ULL << 29);
  EXPECT_DOUBLE_EQ(std::bit_cast<double>(f.sources->read(3).bits), 25.0);
  EXPECT_EQ(f.kernel->reads, 2);
  EXPECT_EQ(f.kernel->resolves, 1);
}

TEST(DarwinSources, PagesizeFromAFourByteReplyWidensToTheSameValue) {
  Fixture f;
  f.kernel->nodes["hw.pagesize"] = {format_reply(kRd | kQuad, "Q"), kPagesize8};
  f.build({row(1, ValueType::I64, "sysctl:hw.pagesize")});
  EXPECT_EQ(f.tick_read(1).bits, 16384u);
  f.kernel->nodes["hw.pagesize"].value = kPagesize4;
  EXPECT_EQ(f.tick_read(1).bits, 16384u);
}

TEST(DarwinSources, AHostnameThatShrinksLeavesNoTailOfTheOldOne) {
  Fixture f;
  f.kernel->set_string("kern.hostname", "build-machine-long-name.local");
  f.build({row(1, ValueType::String, "sysctl:kern.hostname")});
  Reading r = f.tick_read(1);
  ASSERT_EQ(r.status, SlotStatus::kOk);
  EXPECT_EQ(r.text, "build-machine-long-name.local");
  // scutil --set HostName: the kernel now returns fewer bytes (the fake leaves the rest of the
  // buffer alone, as the kernel does); the source zeroes and honours the length.
  f.kernel->set_string("kern.hostname", "mac");
  r = f.tick_read(1);
  ASSERT_EQ(r.status, SlotStatus::kOk);
  EXPECT_EQ(r.text, "mac");
  // A reply without its NUL still ends at the returned length.
  f.kernel->nodes["kern.hostname"].value = {'m', 'i', 'n', 'i'};
  EXPECT_EQ(f.tick_read(1).text, "mini");
}

TEST(DarwinSources, ATruncatedReplyIsAReadErrorForThatTickOnly) {
  Fixture f;
  f.kernel->set_struct("kern.boottime", "timeval", boottime());
  f.kernel->set_int("hw.ncpu", 10, 4, "I");
  f.build({row(1, ValueType::I64, "sysctl:kern.boottime:sec"),
           row(2, ValueType::I64, "sysctl:hw.ncpu")});
  EXPECT_EQ(f.tick_read(1).bits, 1700000000u);
  f.kernel->nodes["kern.boottime"].value.resize(12);  // the seconds are there, the struct is not
  f.kernel->nodes["hw.ncpu"].value.resize(2);
  f.sources->begin_tick();
  EXPECT_EQ(f.sources->read(1).status, SlotStatus::kReadError);
  EXPECT_EQ(f.sources->read(2).status, SlotStatus::kReadError);
  f.kernel->nodes["kern.boottime"].value = boottime();
  f.kernel->nodes["hw.ncpu"].value = {8, 0, 0, 0};
  f.sources->begin_tick();
  EXPECT_EQ(f.sources->read(1).bits, 1700000000u);
  EXPECT_EQ(f.sources->read(2).bits, 8u);
  // A failed read (errno) is a read error too.
  f.kernel->nodes["hw.ncpu"].read_error = EIO;
  EXPECT_EQ(f.tick_read(2).status, SlotStatus::kReadError);
}

TEST(DarwinSources, WhatFailsAtStartStaysUnavailableWithTheReason) {
  Fixture f;
  f.kernel->set_struct("kern.boottime", "timeval", ByteVec(8, 0));  // truncated from the start
  f.kernel->set_int("kpc.counting", 0, 4, "I");
  f.kernel->nodes["kpc.counting"].read_error = EPERM;
  f.kernel->set_int("kern.odd", 0, 4, "I");
  f.kernel->nodes["kern.odd"].format_error = EINVAL;
  f.kernel->nodes["kern.node"] = {format_reply(kRd | 1, "N"), {}};
  f.build({row(1, ValueType::I64, "sysctl:kern.boottime:sec"),
           row(2, ValueType::I64, "sysctl:kpc.counting"), row(3, ValueType::I64, "sysctl:kern.odd"),
           row(4, ValueType::I64, "sysctl:kern.node"), row(5, ValueType::I64, "meminfo:MemTotal"),
           row(6, ValueType::I64, "sysctl:hw.ncpu", "linux")});
  EXPECT_EQ(f.sources->availability(1).reason,
            "sysctl kern.boottime: reply truncated (8 bytes, format 'S,timeval')");
  EXPECT_EQ(f.sources->availability(2).reason,
            "sysctl kpc.counting: read failed: " + std::generic_category().message(EPERM));
  EXPECT_NE(f.sources->availability(3).reason.find("format query failed"), std::string::npos);
  EXPECT_NE(f.sources->availability(4).reason.find("not a kind this broker decodes"),
            std::string::npos);
  EXPECT_NE(f.sources->availability(5).reason.find("expected sysctl: or computed:"),
            std::string::npos);
  EXPECT_EQ(f.sources->availability(6).reason, "not a darwin metric (platform 'linux')");
  EXPECT_EQ(f.sources->availability(99).reason, "unknown metric id");
  // Repairing the kernel later changes nothing: availability is decided once.
  f.kernel->nodes["kpc.counting"].read_error = 0;
  EXPECT_EQ(f.tick_read(2).status, SlotStatus::kUnavailable);
}

TEST(DarwinSources, ComputedRowsFromHiddenInputs) {
  Fixture f;
  f.kernel->set_int("hw.memsize", 16ULL << 30, 8, "Q", kQuad);
  f.kernel->set_int("vm.page_free_count", 65536, 4, "I");         // 1 GiB of 16 KiB pages
  f.kernel->set_int("vm.page_speculative_count", 65536, 4, "I");  // and another
  f.kernel->set_int("vm.pagesize", 16384, 4, "I");
  f.kernel->set_int("net.inet.tcp.pcbcount", 40, 4, "I");
  f.kernel->set_int("net.inet.udp.pcbcount", 2, 4, "I");
  f.kernel->set_struct("kern.boottime", "timeval", boottime());
  f.kernel->set_int("vm.compressor_input_bytes", 3000, 8, "Q", kQuad);
  f.kernel->set_int("vm.compressor_compressed_bytes", 1000, 8, "Q", kQuad);
  f.kernel->now_ns = 1700000100'750000000;
  f.build({row(1, ValueType::F64, "computed:memory_used_percent"),
           row(2, ValueType::U64, "computed:total_connections"),
           row(3, ValueType::F64, "computed:uptime_seconds"),
           row(4, ValueType::F64, "computed:compression_ratio"),
           row(5, ValueType::F64, "computed:vnode_free_percent"),
           row(6, ValueType::I64, "computed:total_connections"),
           row(7, ValueType::F64, "computed:nonsense")});
  f.sources->begin_tick();
  EXPECT_DOUBLE_EQ(std::bit_cast<double>(f.sources->read(1).bits), 87.5);
  EXPECT_EQ(f.sources->read(2).bits, 42u);
  EXPECT_DOUBLE_EQ(std::bit_cast<double>(f.sources->read(3).bits), 100.5);
  EXPECT_DOUBLE_EQ(std::bit_cast<double>(f.sources->read(4).bits), 3.0);
  EXPECT_EQ(f.sources->availability(5).reason,
            "input sysctl:vfs.vnstats.num_free_vnodes: sysctl vfs.vnstats.num_free_vnodes: "
            "unknown name on this kernel");
  EXPECT_EQ(f.sources->availability(6).reason, "computed:total_connections is u64, not I64");
  EXPECT_NE(f.sources->availability(7).reason.find("unknown computed metric"), std::string::npos);

  // An empty compressor has no ratio this tick (not a made-up 0); an input that fails to read
  // makes the output a read error.
  f.kernel->nodes["vm.compressor_compressed_bytes"].value = ByteVec(8, 0);
  f.kernel->nodes["net.inet.udp.pcbcount"].read_error = EIO;
  f.sources->begin_tick();
  EXPECT_EQ(f.sources->read(4).status, SlotStatus::kUnavailable);
  EXPECT_EQ(f.sources->read(2).status, SlotStatus::kReadError);
}

TEST(DarwinSources, SwapPercentIsUnavailableWhileNoSwapFileExistsThenMeasured) {
  Fixture f;
  ByteVec none(32, 0);
  put(none, 24, 16384, 4);
  f.kernel->set_struct("vm.swapusage", "xsw_usage", none);
  f.build({row(1, ValueType::F64, "computed:swap_used_percent")});
  ASSERT_TRUE(f.sources->availability(1).available);  // macOS creates swap files on demand
  EXPECT_EQ(f.tick_read(1).status, SlotStatus::kUnavailable);
  f.kernel->nodes["vm.swapusage"].value = swapusage();
  EXPECT_DOUBLE_EQ(std::bit_cast<double>(f.tick_read(1).bits), 25.0);
}

// A fake kernel with a node of the right shape for every sysctl the darwin registry names.
FakeSysctl* kernel_for_registry(FakeSysctl& k) {
  for (const auto& e : registry::kEntries) {
    if (e.platform != "darwin" || !e.source.starts_with("sysctl:")) continue;
    const auto parsed = darwin::parse_darwin_source(e.source);
    const std::string name(parsed.source.name);
    switch (parsed.source.kind) {
      case darwin::DarwinSource::Kind::kScalar:
        if (e.type == ValueType::String) {
          k.set_string(name, "value of " + name);
        } else {
          k.set_int(name, 1, 4, "I");
        }
        break;
      case darwin::DarwinSource::Kind::kField:
        if (name == "vm.loadavg") k.set_struct(name, "loadavg", loadavg());
        if (name == "vm.swapusage") k.set_struct(name, "xsw_usage", swapusage());
        if (name == "kern.clockrate") k.set_struct(name, "clockinfo", clockrate());
        if (name.ends_with("time")) k.set_struct(name, "timeval", boottime());
        break;
      case darwin::DarwinSource::Kind::kElement:
        k.nodes[name] = {format_reply(kRd | kOpaque, "Q"), cachesize()};
        break;
      case darwin::DarwinSource::Kind::kComputed:
        break;
    }
  }
  return &k;
}

TEST(DarwinSources, TheWholeDarwinRegistryBindsOverAKernelWithItsNodes) {
  auto kernel = std::make_unique<FakeSysctl>();
  kernel_for_registry(*kernel);
  kernel->set_int("hw.memsize", 16ULL << 30, 8, "Q", kQuad);  // room for the free pages
  kernel->now_ns = 1800000000'000000000;
  FakeSysctl* k = kernel.get();
  std::vector<registry::RegistryEntry> rows;
  // The scalar rows: instance families have sources of their own (darwin_instances_test).
  for (const auto& e : registry::kEntries) {
    if (e.platform == "darwin" && e.domain == schema::InstanceDomain::None) rows.push_back(e);
  }
  ASSERT_EQ(rows.size(), 269u);
  DarwinSources sources(rows, std::move(kernel));
  std::size_t ok = 0;
  sources.begin_tick();
  for (const auto& e : rows) {
    EXPECT_TRUE(sources.availability(e.id).available)
        << e.name << ": " << sources.availability(e.id).reason;
    const Reading r = sources.read(e.id);
    EXPECT_EQ(r.status, SlotStatus::kOk) << e.name;
    if (r.status == SlotStatus::kOk) ++ok;
  }
  EXPECT_EQ(ok, rows.size());
  // 243 distinct sysctls, each resolved once and read once per tick.
  EXPECT_EQ(k->resolves, 243);
  EXPECT_EQ(k->reads, 2 * 243);
}

}  // namespace
}  // namespace sysring::broker
