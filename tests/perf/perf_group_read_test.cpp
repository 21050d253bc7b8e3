// Group read parsing over hand-built buffers (every malformation) and over buffers the kernel
// produced here from a real software-event group.
#include "counters/perf/perf_group_read.hpp"

#include <gtest/gtest.h>
#include <sys/ioctl.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "counters/perf/perf_cpu_groups.hpp"
#include "counters/perf/perf_event_spec.hpp"
#include "counters/perf/perf_syscalls.hpp"

namespace sysring::broker::counters::perf {
namespace {

std::vector<std::byte> bytes_of(const std::vector<std::uint64_t>& words) {
  std::vector<std::byte> out(words.size() * sizeof(std::uint64_t));
  std::memcpy(out.data(), words.data(), out.size());
  return out;
}

TEST(PerfGroupRead, ParsesValuesWithTheGroupsTimes) {
  const auto buf = bytes_of({3, 5000, 2500, 11, 22, 33});
  ASSERT_EQ(buf.size(), group_read_size(3));
  std::array<CounterValue, 4> out{};
  ASSERT_EQ(parse_group_read(buf, 3, out), GroupReadStatus::kOk);
  EXPECT_EQ(out[0].count, 11U);
  EXPECT_EQ(out[1].count, 22U);
  EXPECT_EQ(out[2].count, 33U);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(out[i].time_enabled_ns, 5000U);
    EXPECT_EQ(out[i].time_running_ns, 2500U);
  }
  EXPECT_EQ(out[3].count, 0U);  // beyond the group: untouched
}

TEST(PerfGroupRead, UnalignedBufferIsFine) {
  const auto words = bytes_of({1, 7, 7, 42});
  std::vector<std::byte> shifted(words.size() + 1);
  std::memcpy(shifted.data() + 1, words.data(), words.size());
  std::array<CounterValue, 1> out{};
  ASSERT_EQ(parse_group_read(std::span(shifted).subspan(1), 1, out), GroupReadStatus::kOk);
  EXPECT_EQ(out[0].count, 42U);
}

TEST(PerfGroupRead, CountMismatchIsAnErrorAndWritesNothing) {
  std::array<CounterValue, 4> out{};
  out[0].count = 99;
  EXPECT_EQ(parse_group_read(bytes_of({2, 1, 1, 5, 6}), 3, out), GroupReadStatus::kCountMismatch);
  EXPECT_EQ(parse_group_read(bytes_of({4, 1, 1, 5, 6, 7}), 3, out),
            GroupReadStatus::kCountMismatch);
  EXPECT_EQ(out[0].count, 99U);
}

TEST(PerfGroupRead, HugeCountNeverReadsOutOfBounds) {
  std::array<CounterValue, kMaxEventsPerCpu> out{};
  const std::uint64_t huge = ~std::uint64_t{0} / 8;  // (3 + nr) * 8 would wrap
  EXPECT_EQ(parse_group_read(bytes_of({huge, 1, 1, 5}), 1, out), GroupReadStatus::kCountMismatch);
}

TEST(PerfGroupRead, EveryTruncationIsAShortRead) {
  const auto full = bytes_of({3, 5000, 2500, 11, 22, 33});
  std::array<CounterValue, 3> out{};
  for (std::size_t n = 0; n < full.size(); ++n) {
    // Exact-size copies, so ASan catches any read past the end.
    const std::vector<std::byte> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const GroupReadStatus s = parse_group_read(cut, 3, out);
    EXPECT_EQ(s, GroupReadStatus::kShortRead) << n << " bytes";
  }
}

TEST(PerfGroupRead, TrailingBytesAreAnError) {
  auto buf = bytes_of({1, 1, 1, 5});
  buf.push_back(std::byte{0});
  std::array<CounterValue, 1> out{};
  EXPECT_EQ(parse_group_read(buf, 1, out), GroupReadStatus::kTrailingBytes);
}

TEST(PerfGroupRead, OutputMustHoldTheGroup) {
  std::array<CounterValue, 1> out{};
  EXPECT_EQ(parse_group_read(bytes_of({2, 1, 1, 5, 6}), 2, out), GroupReadStatus::kOutputTooSmall);
}

TEST(PerfGroupRead, EveryStatusIsDescribed) {
  for (const GroupReadStatus s :
       {GroupReadStatus::kOk, GroupReadStatus::kShortRead, GroupReadStatus::kCountMismatch,
        GroupReadStatus::kTrailingBytes, GroupReadStatus::kOutputTooSmall}) {
    EXPECT_FALSE(describe(s).empty());
  }
}

// --- buffers from this machine's kernel ----------------------------------------------------

// A real system-wide software group on cpu 0: cpu-clock leads, context-switches and
// page-faults follow. Software events exist with or without a PMU.
class RealSoftwareGroup : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"cpu-clock", "context-switches", "page-faults"}) {
      PerfEventSpec spec;
      std::string error;
      ASSERT_TRUE(resolve_perf_event(name, spec, error)) << error;
      const int fd = open_perf_event(*sys_, spec, 0, fds_.empty() ? -1 : fds_.front());
      if (fd == -EACCES || fd == -EPERM) {
        GTEST_SKIP() << "perf_event_open refused (not root, perf_event_paranoid too high): "
                     << std::strerror(-fd);
      }
      ASSERT_GE(fd, 0) << name << ": " << std::strerror(-fd);
      fds_.push_back(fd);
    }
    ASSERT_EQ(sys_->ioctl(fds_.front(), PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP), 0);
  }
  void TearDown() override {
    for (auto it = fds_.rbegin(); it != fds_.rend(); ++it) sys_->close(*it);
  }

  std::vector<std::byte> read_group() {
    std::vector<std::byte> buf(group_read_size(8));
    const ssize_t n = sys_->read(fds_.front(), buf.data(), buf.size());
    EXPECT_GT(n, 0) << std::strerror(static_cast<int>(-n));
    buf.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return buf;
  }

  std::shared_ptr<PerfSyscalls> sys_ = real_perf_syscalls();
  std::vector<int> fds_;
};

TEST_F(RealSoftwareGroup, KernelBufferParses) {
  // Give cpu 0 something to count: a few page faults and a sleep (a context switch somewhere).
  std::vector<char> touch(1 << 20);
  for (std::size_t i = 0; i < touch.size(); i += 4096) touch[i] = 1;
  ::usleep(20000);

  const std::vector<std::byte> buf = read_group();
  ASSERT_EQ(buf.size(), group_read_size(3));  // the layout we parse, exactly
  std::array<CounterValue, 3> values{};
  ASSERT_EQ(parse_group_read(buf, 3, values), GroupReadStatus::kOk);
  EXPECT_GT(values[0].time_enabled_ns, 0U);
  EXPECT_GT(values[0].time_running_ns, 0U);  // software events are never multiplexed out
  EXPECT_GT(values[0].count, 0U);            // cpu-clock: nanoseconds counted on cpu 0
  EXPECT_EQ(values[1].time_enabled_ns, values[0].time_enabled_ns);

  // Later reads never go backwards.
  ::usleep(20000);
  std::array<CounterValue, 3> later{};
  ASSERT_EQ(parse_group_read(read_group(), 3, later), GroupReadStatus::kOk);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_GE(later[i].count, values[i].count) << i;
  EXPECT_GT(later[0].time_enabled_ns, values[0].time_enabled_ns);
}

TEST_F(RealSoftwareGroup, KernelBufferWithWrongExpectationsIsRefused) {
  const std::vector<std::byte> buf = read_group();
  std::array<CounterValue, 4> values{};
  EXPECT_EQ(parse_group_read(buf, 2, values), GroupReadStatus::kCountMismatch);
  EXPECT_EQ(parse_group_read(std::span(buf).first(buf.size() - 8), 3, values),
            GroupReadStatus::kShortRead);
}

TEST_F(RealSoftwareGroup, KernelRefusesABufferTooSmallForTheGroup) {
  std::array<std::byte, group_read_size(2)> small{};
  EXPECT_EQ(sys_->read(fds_.front(), small.data(), small.size()), -ENOSPC);
}

}  // namespace
}  // namespace sysring::broker::counters::perf
