// Reading perf counters without a syscall (client-lib/perf_mmap_read.hpp): the header's formula on
// synthetic pages (the only place the rdpmc arithmetic runs on a machine without a PMU), and the
// mmap path on real software events, which never offer rdpmc (index 0) and so fall back to read().
#include "perf_mmap_read.hpp"

#include <gtest/gtest.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fake_broker.hpp"
#include "sysring/process_counters.hpp"

namespace sysring {
namespace {

using detail::perf_user_value;
using detail::PerfPageSnapshot;

PerfPageSnapshot rdpmc_page() {
  PerfPageSnapshot p;
  p.index = 3;  // rdpmc(2)
  p.offset = 1000;
  p.cap_bit0_is_deprecated = true;
  p.cap_user_rdpmc = true;
  p.cap_user_time = true;
  p.pmc_width = 48;
  p.time_enabled = 10'000;
  p.time_running = 8'000;
  p.time_shift = 10;
  p.time_mult = 3000;
  p.time_offset = static_cast<std::uint64_t>(-5000);  // the kernel's is "negative" too
  return p;
}

TEST(PerfPageMath, NoRdpmcMeansRead) {
  PerfPageSnapshot p = rdpmc_page();
  p.index = 0;  // software events, or not scheduled on this CPU
  EXPECT_FALSE(perf_user_value(p, 123, 1'000'123));
  p = rdpmc_page();
  p.cap_user_rdpmc = false;
  EXPECT_FALSE(perf_user_value(p, 123, 1'000'123));
  p = rdpmc_page();
  p.cap_bit0_is_deprecated = false;  // a kernel from before the cap_user_* bits
  EXPECT_FALSE(perf_user_value(p, 123, 1'000'123));
  p = rdpmc_page();
  p.cap_user_time = false;  // the times could not be brought up to date
  EXPECT_FALSE(perf_user_value(p, 123, 1'000'123));
  p = rdpmc_page();
  p.pmc_width = 0;
  EXPECT_FALSE(perf_user_value(p, 123, 1'000'123));
  EXPECT_TRUE(perf_user_value(rdpmc_page(), 123, 1'000'123));
}

TEST(PerfPageMath, CounterIsSignExtendedFromPmcWidthAndAddedToOffset) {
  const PerfPageSnapshot p = rdpmc_page();
  // 48 bits 0xFFFF'FFFF'FF00 is -256; the bits above the width are garbage and ignored.
  auto r = perf_user_value(p, 0xABCD'FFFF'FFFF'FF00ULL, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, 1000u - 256u);
  // The largest positive 48-bit value stays positive.
  r = perf_user_value(p, 0x0000'7FFF'FFFF'FFFFULL, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, (1ULL << 47) - 1 + 1000);
  // A negative offset (the kernel's offset = count - pmc at the last update).
  PerfPageSnapshot n = p;
  n.offset = -(1LL << 47) + 10;
  r = perf_user_value(n, 0x0000'8000'0000'0005ULL, 0);  // -(2^47) + 5 in 48 bits
  ASSERT_TRUE(r);
  EXPECT_EQ(static_cast<std::int64_t>(r->value), -(1LL << 47) + 10 - (1LL << 47) + 5);
  // Width 64: nothing to extend.
  n = p;
  n.pmc_width = 64;
  r = perf_user_value(n, 5, 0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->value, 1005u);
}

TEST(PerfPageMath, TimesExtrapolatedWithTheHeadersFormula) {
  // quot = 1'000'123 >> 10 = 976, rem = 699; delta = -5000 + 976 * 3000 + (699 * 3000 >> 10)
  //      = -5000 + 2'928'000 + 2047 = 2'925'047.
  const auto r = perf_user_value(rdpmc_page(), 0, 1'000'123);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->time_enabled_ns, 10'000u + 2'925'047u);
  EXPECT_EQ(r->time_running_ns, 8'000u + 2'925'047u);  // on the PMU: running too
  EXPECT_EQ(r->value, 1000u);
  // rem * time_mult is shifted before it is added, not rounded into quot's product.
  PerfPageSnapshot p = rdpmc_page();
  p.time_offset = 0;
  p.time_shift = 0;
  p.time_mult = 1;
  const auto same = perf_user_value(p, 0, 42);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->time_enabled_ns, 10'042u);
}

std::uint64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

void burn(std::uint64_t loops = 20'000'000) {
  volatile std::uint64_t sink = 0;
  for (std::uint64_t i = 0; i < loops; ++i) sink = sink + i;
}

struct Words {
  std::uint64_t value, enabled, running;
};

Words read_fd(int fd) {
  Words w{};
  EXPECT_EQ(::read(fd, &w, sizeof w), static_cast<ssize_t>(sizeof w));
  return w;
}

TEST(PerfPageReal, SoftwareEventIsMappedButOffersNoRdpmc) {
  const int fd = test::open_software_event(PERF_COUNT_SW_TASK_CLOCK, 0, false, false);
  if (fd < 0) GTEST_SKIP() << "perf_event_open of a software event is not allowed here";
  detail::PerfPage page(fd);
  if (!page.mapped()) {
    ::close(fd);
    GTEST_SKIP() << "the kernel will not mmap a perf event here";
  }
  ASSERT_EQ(::ioctl(fd, PERF_EVENT_IOC_ENABLE, 0), 0);
  burn();
  const std::optional<PerfPageSnapshot> s = page.snapshot();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->index, 0u);    // software: never on a hardware counter
  EXPECT_FALSE(page.read());  // so: read()
  const Words w = read_fd(fd);
  EXPECT_GT(w.value, 1'000'000u);                             // it counted
  EXPECT_LE(static_cast<std::uint64_t>(s->offset), w.value);  // the page's last update, if any
  EXPECT_LE(s->time_enabled, w.enabled);
  ::close(fd);
}

TEST(PerfPageReal, InheritedCountersAreNotMapped) {
  const int fd = test::open_software_event(PERF_COUNT_SW_TASK_CLOCK, 0, false, true);
  if (fd < 0) GTEST_SKIP() << "perf_event_open of a software event is not allowed here";
  detail::PerfPage page(fd);
  EXPECT_FALSE(page.mapped());  // perf_mmap: EINVAL for an inherited per-task counter
  EXPECT_FALSE(page.read());
  ::close(fd);
}

class PerfPageCounters : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::software_perf_available())
      GTEST_SKIP() << "perf_event_open of a software event is not allowed here";
  }
  CounterOptions options(bool inherit) {
    CounterOptions o;
    o.endpoint = CounterEndpoint{dir_ / "b.sock", ::getuid()};
    o.events = {"task-clock", "page-faults"};
    o.inherit = inherit;
    return o;
  }
  test::TempDir dir_;
};

TEST_F(PerfPageCounters, SelfNotInheritedIsMappedAndReadsLikeRead) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  ProcessCounters c = ProcessCounters::open_self(options(false));
  ASSERT_EQ(c.size(), 2u);
  if (!c.page_mapped(0)) GTEST_SKIP() << "the kernel will not mmap a perf event here";
  EXPECT_TRUE(c.page_mapped(1));
  EXPECT_FALSE(c.page_mapped(2));
  c.start();
  burn();
  EXPECT_FALSE(c.rdpmc_available(0));  // software events: index 0, no PMU here anyway
  EXPECT_FALSE(c.rdpmc_available(1));
  const std::uint64_t t0 = now_ns();
  const std::vector<CounterValue> a = c.read();
  burn();
  const std::vector<CounterValue> b = c.read();
  const std::uint64_t t1 = now_ns();
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_GT(a[0].raw, 1'000'000u);
  EXPECT_GE(b[0].raw, a[0].raw);  // monotonic
  EXPECT_GE(b[1].raw, a[1].raw);
  EXPECT_LE(b[0].raw - a[0].raw, t1 - t0);  // task-clock of one thread: at most the wall time
  EXPECT_LE(b[0].time_enabled_ns - a[0].time_enabled_ns, t1 - t0);
  c.stop();
  const std::vector<CounterValue> s1 = c.read();
  burn();
  const std::vector<CounterValue> s2 = c.read();
  EXPECT_EQ(s1[0].raw, s2[0].raw);  // stopped: the same value, read() or not
  EXPECT_EQ(s1[0].time_enabled_ns, s2[0].time_enabled_ns);
  EXPECT_EQ(s1[1].raw, s2[1].raw);
  EXPECT_FALSE(fake.requests().at(0).inherit);

  // A child forked since has no page (perf maps are not copied): it reads with read().
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const bool ok = !c.page_mapped(0) && !c.rdpmc_available(0) && c.read()[0].raw == s1[0].raw;
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(c.page_mapped(0));  // the parent keeps its own
}

TEST_F(PerfPageCounters, InheritedOrOtherProcessesAreNotMapped) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  ProcessCounters self = ProcessCounters::open_self(options(true));
  EXPECT_FALSE(self.page_mapped(0));  // the kernel maps no inherited counter
  EXPECT_FALSE(self.rdpmc_available(0));
  self.start();
  burn();
  EXPECT_GT(self.read()[0].raw, 1'000'000u);
  ProcessCounters mine = ProcessCounters::open_pid(::getpid(), options(false));
  EXPECT_FALSE(mine.page_mapped(0));  // open_pid: never self-monitoring as far as it knows
  mine.start();
  burn();
  EXPECT_GT(mine.read()[0].raw, 1'000'000u);
}

}  // namespace
}  // namespace sysring
