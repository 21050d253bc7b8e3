// The quota ledger (broker/requests/grant_ledger.cpp): per-uid and total limits, and entries
// dropped when their target has exited or its pid was reused.
#include "requests/grant_ledger.hpp"

#include <gtest/gtest.h>

#include <map>

namespace sysring::broker::requests {
namespace {

struct World {
  std::map<pid_t, std::uint64_t> live;  // pid -> start ticks
  std::size_t asked = 0;
  GrantLedger::StartTicks start_ticks() {
    return [this](pid_t pid) -> std::optional<std::uint64_t> {
      ++asked;
      const auto it = live.find(pid);
      if (it == live.end()) return std::nullopt;
      return it->second;
    };
  }
};

TEST(GrantLedger, PerUidQuota) {
  World w;
  w.live = {{10, 1}, {11, 1}};
  GrantLedger ledger(4, 100, w.start_ticks());
  EXPECT_EQ(ledger.check(1000, 3), "");
  ledger.record(1000, 10, 1, 3);
  EXPECT_EQ(ledger.check(1000, 1), "");
  EXPECT_EQ(ledger.check(1000, 2),
            "quota: uid 1000 holds 3 counters on live processes; 2 more would pass max_per_uid "
            "= 4");
  EXPECT_EQ(ledger.check(1001, 4), "");  // another uid has its own
  ledger.record(1000, 10, 1, 1);
  EXPECT_EQ(ledger.held_by(1000), 4u);
  EXPECT_EQ(ledger.entries(), 1u);  // the same target: one entry
}

TEST(GrantLedger, TotalQuota) {
  World w;
  w.live = {{10, 1}, {11, 1}, {12, 1}};
  GrantLedger ledger(10, 5, w.start_ticks());
  ledger.record(1000, 10, 1, 2);
  ledger.record(1001, 11, 1, 2);
  EXPECT_EQ(ledger.check(1002, 1), "");
  EXPECT_EQ(ledger.check(1002, 2),
            "quota: 4 counters are held on live processes; 2 more would pass max_total = 5");
}

TEST(GrantLedger, ExitedTargetsFreeTheirCounters) {
  World w;
  w.live = {{10, 1}, {11, 7}};
  GrantLedger ledger(4, 100, w.start_ticks());
  ledger.record(1000, 10, 1, 2);
  ledger.record(1000, 11, 7, 2);
  EXPECT_NE(ledger.check(1000, 1), "");
  w.live.erase(10);  // exited
  EXPECT_EQ(ledger.check(1000, 2), "");
  EXPECT_EQ(ledger.held_by(1000), 2u);
  EXPECT_EQ(ledger.entries(), 1u);
  w.live[11] = 8;  // pid 11 reused by another process
  ledger.prune();
  EXPECT_EQ(ledger.entries(), 0u);
  EXPECT_EQ(ledger.held_total(), 0u);
}

TEST(GrantLedger, NoLivenessReadsWhileUnderQuota) {
  World w;
  w.live = {{10, 1}};
  GrantLedger ledger(64, 1024, w.start_ticks());
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(ledger.check(1000, 1), "");
    ledger.record(1000, 10, 1, 1);
  }
  EXPECT_EQ(w.asked, 0u);
}

}  // namespace
}  // namespace sysring::broker::requests
