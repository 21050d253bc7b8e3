// "computed:" rows through make_linux_sources over the fixture proc tree: the formulas fed by
// the same per-tick file reads as the plain rows.
#include <gtest/gtest.h>
#include <unistd.h>

#include <bit>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "linux_sources.hpp"
#include "test_support.hpp"

namespace sysring::broker {
namespace {

using layout::SlotStatus;
using schema::ValueType;
using test::entry;
using test::ProcTree;

const std::vector<registry::RegistryEntry> kRows = {
    entry(1, ValueType::F64, "computed:mem_used_percent"),
    entry(2, ValueType::F64, "computed:mem_cache_percent"),
    entry(3, ValueType::F64, "computed:swap_used_percent"),  // fixture: SwapTotal 0
    entry(4, ValueType::F64, "computed:cpu_busy_percent:cpu"),
    entry(5, ValueType::F64, "computed:cpu_busy_percent:cpu0"),
    entry(6, ValueType::F64, "computed:cpu_busy_percent:cpu1"),
    entry(7, ValueType::F64, "computed:uptime_seconds"),
    entry(8, ValueType::U64, "computed:sockets_inuse"),
    entry(9, ValueType::U64, "sockstat:sockets:used"),
    entry(10, ValueType::U64, "sockstat:TCP:tw"),
    entry(11, ValueType::U64, "computed:clock_ticks"),
};

double f64(const Reading& r) {
  return std::bit_cast<double>(r.bits);
}

// The fixture's /proc/stat one tick later: cpu0 75% busy, cpu1 idle, 50% overall.
std::string stat_next() {
  std::ifstream in(std::string(SYSRING_SOURCES_FIXTURES) + "/stat.next", std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(ComputedSources, FormulasOverTheFixture) {
  ProcTree tree;
  auto sources = make_linux_sources(kRows, tree.root());
  for (const std::uint16_t id : {1, 2, 4, 5, 6, 7, 8, 9, 10, 11}) {
    EXPECT_TRUE(sources->availability(id).available)
        << id << ": " << sources->availability(id).reason;
  }
  EXPECT_FALSE(sources->availability(3).available);
  EXPECT_EQ(sources->availability(3).reason, "no swap configured");

  sources->begin_tick();
  Reading r = sources->read(1);
  ASSERT_EQ(r.status, SlotStatus::kOk);
  EXPECT_DOUBLE_EQ(f64(r), 100.0 * (24683620 - 24372544) / 24683620);
  EXPECT_DOUBLE_EQ(f64(sources->read(2)), 100.0 * 326168 / 24683620);
  EXPECT_EQ(sources->read(3).status, SlotStatus::kUnavailable);
  EXPECT_DOUBLE_EQ(f64(sources->read(7)), 5787.20);
  EXPECT_EQ(sources->read(8).bits, 7U);  // TCP inuse 3 + UDP inuse 4
  EXPECT_EQ(sources->read(9).bits, 9U);
  EXPECT_EQ(sources->read(10).bits, 2U);
  EXPECT_EQ(sources->read(11).bits, static_cast<std::uint64_t>(sysconf(_SC_CLK_TCK)));
  for (const std::uint16_t id : {4, 5, 6}) {  // first sample: not yet published, not 0
    EXPECT_EQ(sources->read(id).status, SlotStatus::kEmpty) << id;
  }
  EXPECT_EQ(sources->read(4).status, SlotStatus::kEmpty) << "a second read in the tick";

  const std::string stat = tree.read("stat");
  tree.write("stat", stat_next());
  sources->begin_tick();
  EXPECT_DOUBLE_EQ(f64(sources->read(4)), 50.0);
  EXPECT_DOUBLE_EQ(f64(sources->read(5)), 75.0);
  r = sources->read(6);
  EXPECT_EQ(r.status, SlotStatus::kOk) << "an idle CPU is a real 0";
  EXPECT_DOUBLE_EQ(f64(r), 0.0);
  EXPECT_DOUBLE_EQ(f64(sources->read(4)), 50.0) << "a second read in the tick: same value";

  tree.write("stat", stat);  // counters went backwards
  sources->begin_tick();
  for (const std::uint16_t id : {4, 5, 6}) {
    EXPECT_EQ(sources->read(id).status, SlotStatus::kUnavailable) << id;
  }
  tree.write("stat", stat_next());  // measured from the last sample again
  sources->begin_tick();
  EXPECT_DOUBLE_EQ(f64(sources->read(5)), 75.0);
}

TEST(ComputedSources, AnInputReadErrorIsAReadErrorOfTheOutput) {
  ProcTree tree;
  auto sources = make_linux_sources(kRows, tree.root());
  sources->begin_tick();
  ASSERT_EQ(sources->read(1).status, SlotStatus::kOk);
  ASSERT_EQ(sources->read(8).status, SlotStatus::kOk);

  std::string meminfo = tree.read("meminfo");
  meminfo.erase(meminfo.find("MemAvailable:"), meminfo.find('\n', meminfo.find("MemAvailable:")) -
                                                   meminfo.find("MemAvailable:") + 1);
  tree.write("meminfo", meminfo);
  tree.write("net/sockstat", "sockets: used 9\nTCP: inuse 3\n");  // UDP line gone
  sources->begin_tick();
  EXPECT_EQ(sources->read(1).status, SlotStatus::kReadError);
  EXPECT_EQ(sources->read(2).status, SlotStatus::kOk) << "its inputs are still there";
  EXPECT_EQ(sources->read(8).status, SlotStatus::kReadError);
}

TEST(ComputedSources, MissingInputsAndBadRowsAreUnavailableWithAReason) {
  ProcTree tree;
  tree.remove("uptime");
  const std::vector<registry::RegistryEntry> rows = {
      entry(1, ValueType::F64, "computed:uptime_seconds"),
      entry(2, ValueType::F64, "computed:cpu_busy_percent:cpu7"),  // a 2-CPU fixture
      entry(3, ValueType::F64, "computed:no_such_formula"),
      entry(4, ValueType::U64, "computed:mem_used_percent"),  // wrong type
  };
  auto sources = make_linux_sources(rows, tree.root());
  const auto reason = [&](std::uint16_t id) {
    EXPECT_FALSE(sources->availability(id).available) << id;
    return sources->availability(id).reason;
  };
  EXPECT_EQ(reason(1), "input uptime:0: " + tree.root() + "/uptime: No such file or directory");
  EXPECT_EQ(reason(2), "input stat:cpu7:0: stat: no key 'cpu7'");
  EXPECT_EQ(reason(3), "bad source 'computed:no_such_formula': unknown computed metric");
  EXPECT_EQ(reason(4), "computed:mem_used_percent is f64, not U64");
  sources->begin_tick();
  for (std::uint16_t id = 1; id <= 4; ++id) {
    EXPECT_EQ(sources->read(id).status, SlotStatus::kUnavailable) << id;
  }
}

TEST(ComputedSources, AnUnavailableRowCausesNoReads) {
  ProcTree tree;
  // stat opens fine, so all eight inputs bind; only the first refresh finds no cpu7 line.
  const std::vector<registry::RegistryEntry> rows = {
      entry(1, ValueType::F64, "computed:cpu_busy_percent:cpu7")};
  LinuxSources sources(rows, tree.root());
  ASSERT_FALSE(sources.availability(1).available);
  const std::uint64_t refreshes = sources.refresh_count();
  sources.begin_tick();
  EXPECT_EQ(sources.read(1).status, SlotStatus::kUnavailable);
  EXPECT_EQ(sources.refresh_count(), refreshes) << "stat is not read for a row that is gone";
}

}  // namespace
}  // namespace sysring::broker
