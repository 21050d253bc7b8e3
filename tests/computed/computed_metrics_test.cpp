// The computed-metric formulas: plain numbers in, a value or a reason out.
#include "computed_metrics.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>

namespace sysring::broker::computed {
namespace {

TEST(UsedPercent, IsTheUsedShareOfTheTotal) {
  const Result r = used_percent(1000, 250, "zero");
  ASSERT_EQ(r.outcome, Outcome::kOk);
  EXPECT_DOUBLE_EQ(r.value, 75.0);
  EXPECT_DOUBLE_EQ(used_percent(1000, 1000, "zero").value, 0.0);  // a real 0: nothing used
  EXPECT_DOUBLE_EQ(used_percent(1000, 0, "zero").value, 100.0);
}

TEST(UsedPercent, ZeroTotalIsUnavailableWithTheCallersReason) {
  const Result r = used_percent(0, 0, "no swap configured");
  EXPECT_EQ(r.outcome, Outcome::kUnavailable);
  EXPECT_EQ(r.why, "no swap configured");
}

TEST(UsedPercent, MoreLeftThanTotalIsAnInconsistentSample) {
  const Result r = used_percent(100, 101, "zero");
  EXPECT_EQ(r.outcome, Outcome::kUnavailable);
  EXPECT_FALSE(r.why.empty());
}

TEST(SharePercent, PartOfTotal) {
  EXPECT_DOUBLE_EQ(share_percent(25, 200, "zero").value, 12.5);
  EXPECT_EQ(share_percent(1, 0, "zero").outcome, Outcome::kUnavailable);
  EXPECT_EQ(share_percent(201, 200, "zero").outcome, Outcome::kUnavailable);
}

TEST(Ratio, DividesAndRefusesAZeroDenominator) {
  EXPECT_DOUBLE_EQ(ratio(300, 100, "empty").value, 3.0);
  const Result r = ratio(5, 0, "compressor holds nothing");
  EXPECT_EQ(r.outcome, Outcome::kUnavailable);
  EXPECT_EQ(r.why, "compressor holds nothing");
}

TEST(UsedPercentFromPages, CountsFreePagesAtThePageSize) {
  // 16 GiB of 16 KiB pages, a quarter of them free.
  const std::uint64_t total = 16ULL << 30;
  const Result r = used_percent_from_pages(total, total / 16384 / 4, 16384);
  ASSERT_EQ(r.outcome, Outcome::kOk);
  EXPECT_DOUBLE_EQ(r.value, 75.0);
  EXPECT_EQ(used_percent_from_pages(total, 1, 0).outcome, Outcome::kUnavailable);
  // More free pages than memory (and a product that would overflow): inconsistent.
  EXPECT_EQ(used_percent_from_pages(total, UINT64_MAX / 2, 16384).outcome, Outcome::kUnavailable);
}

TEST(SecondsSince, IsWallClockMinusTheTimeval) {
  const Result r = seconds_since(1000, 500'000, 1'100'000'000'000);
  ASSERT_EQ(r.outcome, Outcome::kOk);
  EXPECT_DOUBLE_EQ(r.value, 99.5);
  EXPECT_EQ(seconds_since(1000, 0, 999'000'000'000).outcome, Outcome::kUnavailable);
  EXPECT_EQ(seconds_since(1000, 1'000'000, 2'000'000'000'000).outcome, Outcome::kUnavailable);
}

TEST(CpuSample, SumsTheEightTimesAndCountsIowaitAsIdle) {
  const std::array<std::uint64_t, 8> f{1, 2, 3, 40, 5, 6, 7, 8};
  const CpuSample s = cpu_sample(f);
  EXPECT_EQ(s.total, 72U);
  EXPECT_EQ(s.idle, 45U);
}

TEST(CpuBusy, FirstSampleHasNothingToCompareWith) {
  CpuBusy cpu;
  EXPECT_EQ(cpu.update({1000, 900}).outcome, Outcome::kNotYet);
}

TEST(CpuBusy, BusyShareOfTheDelta) {
  CpuBusy cpu;
  cpu.update({1000, 900});
  const Result r = cpu.update({1200, 1050});  // 200 elapsed, 150 idle
  ASSERT_EQ(r.outcome, Outcome::kOk);
  EXPECT_DOUBLE_EQ(r.value, 25.0);
  EXPECT_DOUBLE_EQ(cpu.update({1300, 1150}).value, 0.0);  // all idle: a real 0
  EXPECT_DOUBLE_EQ(cpu.update({1400, 1150}).value, 100.0);
}

TEST(CpuBusy, NoElapsedTimeIsUnavailable) {
  CpuBusy cpu;
  cpu.update({1000, 900});
  EXPECT_EQ(cpu.update({1000, 900}).outcome, Outcome::kUnavailable);
}

TEST(CpuBusy, CountersGoingBackwardsAreUnavailableForThatUpdateOnly) {
  CpuBusy cpu;
  cpu.update({1000, 900});
  const Result wrapped = cpu.update({10, 5});  // wrap or reset
  EXPECT_EQ(wrapped.outcome, Outcome::kUnavailable);
  EXPECT_FALSE(wrapped.why.empty());
  // Per-CPU iowait can decrease while the total grows.
  EXPECT_EQ(cpu.update({20, 4}).outcome, Outcome::kUnavailable);
  // The next update measures from the last sample again.
  const Result r = cpu.update({120, 54});
  ASSERT_EQ(r.outcome, Outcome::kOk);
  EXPECT_DOUBLE_EQ(r.value, 50.0);
}

TEST(CpuBusy, IdleAboveElapsedIsUnavailable) {
  CpuBusy cpu;
  cpu.update({1000, 900});
  EXPECT_EQ(cpu.update({1010, 950}).outcome, Outcome::kUnavailable);
}

}  // namespace
}  // namespace sysring::broker::computed
