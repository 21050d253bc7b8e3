// Every linux registry row against this machine's /proc: read OK, or unavailable with a reason.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "linux_sources.hpp"
#include "sysring/registry_data.hpp"

namespace sysring::broker {
namespace {

using layout::SlotStatus;

TEST(RealProc, EveryLinuxRowIsReadOrExplained) {
  if (!std::filesystem::exists("/proc/meminfo")) GTEST_SKIP() << "no Linux /proc here";
  auto sources = make_linux_sources(registry::kEntries);
  int ok = 0;
  int unavailable = 0;
  for (int tick = 0; tick < 2; ++tick) {  // the second tick re-reads through the kept-open fds
    // Enough time between the ticks for the CPU time counters to advance (USER_HZ is 100).
    if (tick == 1) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    sources->begin_tick();
    ok = unavailable = 0;
    for (const auto& row : registry::kEntries) {
      if (row.platform != "linux") continue;
      const Availability& a = sources->availability(row.id);
      const Reading r = sources->read(row.id);
      if (a.available) {
        // CPU busy is a rate: nothing to publish before its second sample, a value after it.
        const bool rate = row.source.starts_with("computed:cpu_busy");
        if (rate && tick == 1) {
          // Per-CPU iowait may step backwards (a known kernel quirk): that one sample is then
          // reported unavailable rather than as a made-up rate. Anything else is a bug.
          EXPECT_TRUE(r.status == SlotStatus::kOk || r.status == SlotStatus::kUnavailable)
              << row.name << " (" << row.source << ")";
        } else {
          EXPECT_EQ(r.status, rate ? SlotStatus::kEmpty : SlotStatus::kOk)
              << row.name << " (" << row.source << ")";
        }
        ++ok;
      } else {
        EXPECT_FALSE(a.reason.empty()) << row.name;
        EXPECT_EQ(a.reason.find('\n'), std::string::npos) << row.name;
        EXPECT_EQ(r.status, SlotStatus::kUnavailable) << row.name;
        ++unavailable;
        if (tick == 0)
          std::printf("  unavailable: %-28s %s\n", std::string(row.name).c_str(), a.reason.c_str());
      }
    }
  }
  std::printf("  %d linux metrics read OK, %d unavailable\n", ok, unavailable);
  // Files every Linux kernel has: a failure here is a parser or binding bug, not the machine.
  for (const char* name : {"mem.total", "vm.pgfault", "cpu.idle", "kern.context_switches",
                           "load.avg1", "load.tasks", "kern.ostype", "kern.pid_max"}) {
    for (const auto& row : registry::kEntries) {
      if (row.name == name) {
        EXPECT_TRUE(sources->availability(row.id).available)
            << name << ": " << sources->availability(row.id).reason;
      }
    }
  }
}

TEST(RealProc, ValuesAreSane) {
  if (!std::filesystem::exists("/proc/meminfo")) GTEST_SKIP() << "no Linux /proc here";
  auto sources = make_linux_sources(registry::kEntries);
  sources->begin_tick();
  for (const auto& row : registry::kEntries) {
    const Reading r = sources->read(row.id);
    if (r.status != SlotStatus::kOk) continue;
    if (row.name == "mem.total") {
      EXPECT_GT(r.bits, 16ULL << 20) << "more than 16 MiB of RAM, in bytes";
      EXPECT_EQ(r.bits % 1024, 0U) << "kB scaled to bytes";
    }
    if (row.name == "kern.ostype") {
      EXPECT_EQ(r.text, "Linux");
    }
    if (row.name == "load.tasks") {
      EXPECT_GT(r.bits, 0U);
    }
  }
}

}  // namespace
}  // namespace sysring::broker
