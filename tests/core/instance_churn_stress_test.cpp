// The cross-process proof of "no value under another instance's name": reader processes read
// disk families while one writer process (a real TickLoop over 8 disk rows) adds and removes
// instances 10^4 times, reusing every row as soon as its quarantine passes. Two readers hold
// handles bound from the directory (kOk only with the handle's own instance's value, kGone once
// removed, also while another instance holds the row), two read whole families and copies of the
// table (every value its instance's), one follows the ring (every delta named by an Added of the
// instance whose value it is, events in order per row, lost batches counted exactly). The
// encoding of the values and the readers' checks are in instance_churn.hpp. Results come back
// through pipes; the parent asserts.
//
// SYSRING_CHURN_EVENTS sets the number of instance events (adds + removes; default 10,000).
// The in-process variants run the same bodies as threads (for -DSYSRING_SANITIZE=thread builds):
// one as paced as the process test with a fifth of the events, one with ticks back to back for
// up to 10 s.
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "child_process.hpp"
#include "core_support.hpp"
#include "instance_churn.hpp"

namespace sysring::churn {
namespace {

using coretest::Child;
using coretest::Clock;

constexpr int kHandleReaders = 2;
constexpr int kFamilyReaders = 2;

std::uint64_t churn_events() {
  if (const char* s = std::getenv("SYSRING_CHURN_EVENTS")) {
    const unsigned long long v = std::strtoull(s, nullptr, 10);
    if (v > 0) return v;
  }
  return 10'000;
}

unsigned long long ull(std::uint64_t v) {
  return static_cast<unsigned long long>(v);
}

// What every reader and the writer brought back.
struct Outcome {
  bool writer_reported = false;
  WriterResult writer;
  std::vector<HandleReaderResult> handles;
  std::vector<FamilyReaderResult> families;
  bool follower_reported = false;
  FollowerResult follower;
  int missing = 0;  // readers that did not report
};

void print(const Outcome& o) {
  const WriterResult& w = o.writer;
  std::printf(
      "writer: %llu ticks in %.2f s, %llu added + %llu removed = %llu events; %llu returns of a "
      "name, %llu new names, %llu row reuses, %llu refused (pool full)\n",
      ull(w.ticks), w.seconds, ull(w.added), ull(w.removed), ull(w.added + w.removed),
      ull(w.returns), ull(w.new_names), ull(w.row_reuses), ull(w.refused));
  for (std::size_t i = 0; i < o.handles.size(); ++i) {
    const HandleReaderResult& r = o.handles[i];
    std::printf(
        "  handle reader %zu: %llu reads (%llu ok, %llu gone, %llu busy) in %.2f s; %llu gone "
        "reads of a reused row; %llu handles, %llu directories (%llu busy), %llu returns seen; "
        "torn %llu, wrong instance %llu, ok after gone %llu, unexpected %llu\n",
        i, ull(r.reads), ull(r.ok), ull(r.gone), ull(r.busy), r.seconds, ull(r.reused_row_gone),
        ull(r.handles_bound), ull(r.directories), ull(r.directory_busy), ull(r.returns_seen),
        ull(r.torn), ull(r.wrong_instance), ull(r.ok_after_gone), ull(r.unexpected));
  }
  for (std::size_t i = 0; i < o.families.size(); ++i) {
    const FamilyReaderResult& r = o.families[i];
    std::printf(
        "  family reader %zu: %llu read_family calls, %llu values (%llu ok, %llu gone, %llu "
        "busy) in %.2f s; %llu table copies, %llu live rows checked; torn %llu, wrong instance "
        "%llu, wrong row %llu, unexpected %llu\n",
        i, ull(r.calls), ull(r.values), ull(r.ok), ull(r.gone), ull(r.busy), r.seconds,
        ull(r.table_copies), ull(r.table_rows), ull(r.torn), ull(r.wrong_instance),
        ull(r.table_wrong), ull(r.unexpected));
  }
  const FollowerResult& f = o.follower;
  std::printf(
      "  follower: %llu polls, %llu ring batches, %llu snapshots, %llu laps, %llu lost "
      "(%llu mismatches), %llu corrupt; %llu added, %llu removed, %llu returns; %llu values; "
      "%llu replayed batches; unnamed %llu, wrong instance %llu, replayed wrong %llu / unnamed "
      "%llu, torn %llu, order %llu, events %llu, id changes %llu, registration regressions %llu\n",
      ull(f.polls), ull(f.ring_batches), ull(f.snapshots), ull(f.laps), ull(f.lost_total),
      ull(f.lost_mismatch), ull(f.corrupt), ull(f.added), ull(f.removed), ull(f.returns),
      ull(f.values), ull(f.replayed_batches), ull(f.unnamed), ull(f.wrong_instance),
      ull(f.replay_wrong_instance), ull(f.replay_unnamed), ull(f.torn), ull(f.order_violations),
      ull(f.event_violations), ull(f.id_changes), ull(f.registration_regressions));
}

// The assertions, whether the bodies ran as processes or as threads.
// `follower_keeps_up`: the follower reads most ticks from the ring (else it is mostly lapped,
// and only its snapshots are sure to carry values).
void check(const Outcome& o, std::uint64_t events, bool follower_keeps_up = true) {
  ASSERT_TRUE(o.writer_reported) << "the writer did not report";
  const WriterResult& w = o.writer;
  ASSERT_EQ(w.error, 0) << w.message;
  EXPECT_GE(w.added + w.removed, events) << "the writer made its instance events";
  EXPECT_GT(w.returns, 0u) << "names came back";
  EXPECT_GT(w.new_names, 0u) << "new names appeared";
  EXPECT_GT(w.row_reuses, 0u) << "rows were reused";
  EXPECT_EQ(w.id_changes, 0u) << "a name that comes back keeps its instance id";
  EXPECT_EQ(w.record_mismatches, 0u);
  EXPECT_EQ(o.missing, 0) << "readers that did not report";

  std::uint64_t reused_row_gone = 0;
  for (std::size_t i = 0; i < o.handles.size(); ++i) {
    const HandleReaderResult& r = o.handles[i];
    EXPECT_EQ(r.error, 0) << "handle reader " << i << ": " << r.message;
    EXPECT_EQ(r.torn, 0u) << "handle reader " << i;
    EXPECT_EQ(r.wrong_instance, 0u) << "handle reader " << i << " read another instance's value";
    EXPECT_EQ(r.ok_after_gone, 0u) << "handle reader " << i;
    EXPECT_EQ(r.unexpected, 0u) << "handle reader " << i;
    EXPECT_EQ(r.id_changes, 0u) << "handle reader " << i;
    EXPECT_GT(r.ok, 1000u) << "handle reader " << i << " read values while instances churned";
    EXPECT_GT(r.gone, 0u) << "handle reader " << i << " saw instances go";
    EXPECT_GT(r.returns_seen, 0u) << "handle reader " << i << " saw names come back";
    reused_row_gone += r.reused_row_gone;
  }
  // The point of the registration word: old handles read rows that belong to others by now.
  EXPECT_GT(reused_row_gone, 0u) << "no read of an old handle hit a reused row";

  for (std::size_t i = 0; i < o.families.size(); ++i) {
    const FamilyReaderResult& r = o.families[i];
    EXPECT_EQ(r.error, 0) << "family reader " << i << ": " << r.message;
    EXPECT_EQ(r.torn, 0u) << "family reader " << i;
    EXPECT_EQ(r.wrong_instance, 0u) << "family reader " << i;
    EXPECT_EQ(r.table_wrong, 0u) << "family reader " << i;
    EXPECT_EQ(r.unexpected, 0u) << "family reader " << i;
    EXPECT_GT(r.ok, 1000u) << "family reader " << i;
    EXPECT_GT(r.table_rows, 0u) << "family reader " << i;
  }

  ASSERT_TRUE(o.follower_reported) << "the follower did not report";
  const FollowerResult& f = o.follower;
  EXPECT_EQ(f.error, 0) << f.message;
  if (follower_keeps_up) {
    EXPECT_GT(f.ring_batches, w.ticks / 4) << "the follower read most ticks from the ring";
    EXPECT_GT(f.added, 0u);
    EXPECT_GT(f.removed, 0u);
    EXPECT_GT(f.returns, 0u);
  } else {
    EXPECT_GT(f.laps, 0u) << "the follower was lapped and resynchronised";
  }
  EXPECT_GT(f.values, 0u);
  EXPECT_EQ(f.corrupt, 0u) << "every batch verifies";
  EXPECT_EQ(f.order_violations, 0u);
  EXPECT_EQ(f.event_violations, 0u) << "Added and Removed in order per row";
  EXPECT_EQ(f.id_changes, 0u);
  EXPECT_EQ(f.registration_regressions, 0u) << "every Added is a new registration";
  EXPECT_EQ(f.lost_mismatch, 0u) << "a lap reported " << f.first_mismatch_reported
                                 << " lost batches but skipped " << f.first_mismatch_actual;
  EXPECT_EQ(f.unnamed, 0u) << "a value delta in a row no Added names";
  EXPECT_EQ(f.wrong_instance, 0u) << "a value delta named by another instance's Added";
  EXPECT_EQ(f.torn, 0u);
  EXPECT_EQ(f.replay_wrong_instance + f.replay_unnamed, 0u)
      << "after a resynchronisation, a replayed batch's values were named by the snapshot's "
         "newer tenant of their row";
}

TEST(InstanceChurn, MultiProcessReadersNeverSeeAnotherInstancesValue) {
  const std::uint64_t events = churn_events();
  const std::string name = coretest::unique_segment_name("ch");
  const auto deadline = Clock::now() + std::chrono::seconds(240);

  void* page =
      ::mmap(nullptr, sizeof(Control), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(page, MAP_FAILED);
  auto* control = new (page) Control;
  std::vector<pid_t> pids;
  const auto kill_all = [&] {
    for (const pid_t p : pids) ::kill(p, SIGKILL);
  };

  const Child writer = coretest::spawn([&](int fd) {
    const WriterResult r = run_writer(name, *control, {events}, [fd] {
      const char ready = 'R';
      (void)!::write(fd, &ready, 1);
    });
    coretest::report(fd, r);
    std::_Exit(0);
  });
  pids.push_back(writer.pid);
  char ready = 0;
  if (!coretest::read_result(writer.fd, ready, Clock::now() + std::chrono::seconds(30)) ||
      ready != 'R') {
    kill_all();
    FAIL() << "the writer did not come up (exit " << coretest::wait_exit(writer.pid) << ")";
  }

  const auto t0 = Clock::now();
  std::vector<Child> handle_readers, family_readers;
  for (int i = 0; i < kHandleReaders; ++i) {
    handle_readers.push_back(coretest::spawn([&](int fd) {
      coretest::report(fd, run_handle_reader(name, *control));
      std::_Exit(0);
    }));
    pids.push_back(handle_readers.back().pid);
  }
  for (int i = 0; i < kFamilyReaders; ++i) {
    family_readers.push_back(coretest::spawn([&](int fd) {
      coretest::report(fd, run_family_reader(name, *control));
      std::_Exit(0);
    }));
    pids.push_back(family_readers.back().pid);
  }
  const Child follower = coretest::spawn([&](int fd) {
    coretest::report(fd, run_follower(name, *control));
    std::_Exit(0);
  });
  pids.push_back(follower.pid);

  Outcome o;
  for (const Child& c : handle_readers) {
    HandleReaderResult r;
    if (coretest::read_result(c.fd, r, deadline)) {
      o.handles.push_back(r);
    } else {
      ++o.missing;
    }
  }
  for (const Child& c : family_readers) {
    FamilyReaderResult r;
    if (coretest::read_result(c.fd, r, deadline)) {
      o.families.push_back(r);
    } else {
      ++o.missing;
    }
  }
  o.follower_reported = coretest::read_result(follower.fd, o.follower, deadline);
  control->stop_writer.store(1);
  o.writer_reported = coretest::read_result(writer.fd, o.writer, deadline);
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (o.missing > 0 || !o.follower_reported || !o.writer_reported) kill_all();
  for (const pid_t p : pids) EXPECT_EQ(coretest::wait_exit(p), 0) << "child " << p;

  std::printf("instance churn across processes: %.2f s\n", seconds);
  print(o);
  check(o, events);
  control->~Control();
  ::munmap(page, sizeof(Control));
}

// The same bodies as threads of this process: one reader of each kind.
Outcome run_in_threads(const WriterOptions& options, FollowerOptions follower_options = {}) {
  const std::string name = coretest::unique_segment_name("ci");
  Control control;
  Outcome o;
  std::atomic<int> ready{0};
  std::thread writer([&] {
    o.writer = run_writer(name, control, options, [&] { ready.store(1); });
    o.writer_reported = true;
    ready.store(1);  // also after a failure before the segment went live
  });
  while (ready.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto t0 = Clock::now();
  o.handles.resize(1);
  o.families.resize(1);
  std::thread handles([&] { o.handles[0] = run_handle_reader(name, control); });
  std::thread families([&] { o.families[0] = run_family_reader(name, control); });
  std::thread follower([&] {
    o.follower = run_follower(name, control, follower_options);
    o.follower_reported = true;
  });
  handles.join();
  families.join();
  follower.join();
  control.stop_writer.store(1);
  writer.join();
  std::printf("instance churn in one process: %.2f s\n",
              std::chrono::duration<double>(Clock::now() - t0).count());
  print(o);
  return o;
}

TEST(InstanceChurn, InProcessReadersNeverSeeAnotherInstancesValue) {
  const std::uint64_t events = std::max<std::uint64_t>(churn_events() / 5, 1000);
  check(run_in_threads({events}), events);
}

// Ticks back to back (a few microseconds each), and a follower that stops reading every 256
// batches until the ring has gone round twice: it is lapped however fast this machine lets it
// read, and the broker may publish ticks while it copies its resynchronisation snapshot. Up to
// thirty times the events for at most 10 s; a fifth of the events at least (sanitizer builds
// tick slowly).
TEST(InstanceChurn, BackToBackTicksUnderAFollowerThatResynchronises) {
  const Outcome o =
      run_in_threads({churn_events() * 30, std::chrono::microseconds(0), std::chrono::seconds(10)},
                     {.get_lapped = true});
  check(o, churn_events() / 5, false);
}

}  // namespace
}  // namespace sysring::churn
