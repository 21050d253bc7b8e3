// sysring::ProcessCounters and its C ABI against a fake broker: perf's scaling and the derived
// rates; counting ourselves (start, stop, read), a launched child (counted from its execve,
// refusals kill and reap it, execvp failures), best-effort event lists; the request socket found
// through a real segment (layout 2.1 request_socket, validated: NUL-terminated or the segment is
// bad); the C functions' statuses and messages.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cmath>

#include "../client/segment_fixture.hpp"
#include "fake_broker.hpp"
#include "sysring/client.hpp"
#include "sysring/process_counters.hpp"
#include "sysring/sysring.h"

namespace sysring {
namespace {

using namespace std::chrono_literals;

Client open_named(const std::string& name) {
  OpenOptions options;
  options.name = name;
  return Client::open(options);
}

void burn_cpu(std::uint64_t loops = 30'000'000) {
  volatile std::uint64_t sink = 0;
  for (std::uint64_t i = 0; i < loops; ++i) sink = sink + i;
}

// ---- Arithmetic ----

TEST(Scaling, PerfEstimateFromEnabledAndRunningTimes) {
  const CounterValue full = scale_counter("cycles", 1000, 500, 500);
  EXPECT_TRUE(full.counted);
  EXPECT_DOUBLE_EQ(full.scaled, 1000);
  EXPECT_DOUBLE_EQ(full.running_share, 1.0);

  const CounterValue half = scale_counter("cycles", 1000, 400, 100);  // multiplexed: 25%
  EXPECT_TRUE(half.counted);
  EXPECT_DOUBLE_EQ(half.scaled, 4000);
  EXPECT_DOUBLE_EQ(half.running_share, 0.25);

  const CounterValue never = scale_counter("cycles", 0, 400, 0);  // enabled, never scheduled
  EXPECT_FALSE(never.counted);
  EXPECT_DOUBLE_EQ(never.scaled, 0);
  EXPECT_DOUBLE_EQ(never.running_share, 0);

  const CounterValue idle = scale_counter("cycles", 0, 0, 0);  // never enabled
  EXPECT_FALSE(idle.counted);
  EXPECT_DOUBLE_EQ(idle.running_share, 1.0);

  // raw * enabled would overflow 64 bits; the estimate does not.
  const CounterValue big = scale_counter("x", 1ULL << 62, 1ULL << 40, 1ULL << 38);
  EXPECT_DOUBLE_EQ(big.scaled, std::ldexp(1.0, 64));
  // running > enabled (rounding in the kernel) never scales down
  EXPECT_DOUBLE_EQ(scale_counter("x", 10, 5, 6).scaled, 10);
}

TEST(Scaling, IntervalDeltasScaleOverTheIntervalsOwnTimes) {
  const CounterValue a = scale_counter("cycles", 1000, 1000, 1000);
  const CounterValue b = scale_counter("cycles", 1500, 2000, 1250);  // 250 of 1000 running
  const CounterValue d = counter_delta(a, b);
  EXPECT_EQ(d.raw, 500u);
  EXPECT_EQ(d.time_enabled_ns, 1000u);
  EXPECT_EQ(d.time_running_ns, 250u);
  EXPECT_DOUBLE_EQ(d.scaled, 2000);
  EXPECT_DOUBLE_EQ(d.running_share, 0.25);
  // A counter that went backwards (never happens; not a wrap to 2^64)
  EXPECT_EQ(counter_delta(b, a).raw, 0u);
}

TEST(Scaling, DerivedRatesOnlyWhereBothEventsCounted) {
  std::vector<CounterValue> v = {
      scale_counter("task-clock", 500'000'000, 10, 10),  // 500 ms
      scale_counter("cycles", 1000, 10, 5),              // scaled 2000
      scale_counter("instructions", 3000, 10, 10),
      scale_counter("branches", 400, 10, 10),
      scale_counter("branch-misses", 4, 10, 10),
      scale_counter("cache-references", 0, 10, 10),
      scale_counter("cache-misses", 1, 10, 10),
  };
  const DerivedRates r = derive_rates(v, 1e9);  // over 1 s of wall time
  ASSERT_TRUE(r.task_clock_ms && r.cpus_utilized && r.ipc && r.branch_miss_rate);
  EXPECT_DOUBLE_EQ(*r.task_clock_ms, 500);
  EXPECT_DOUBLE_EQ(*r.cpus_utilized, 0.5);
  EXPECT_DOUBLE_EQ(*r.ipc, 1.5);
  EXPECT_DOUBLE_EQ(*r.branch_miss_rate, 0.01);
  EXPECT_FALSE(r.cache_miss_rate);  // no references: no made-up rate

  v[1] = scale_counter("cycles", 0, 10, 0);  // not counted
  EXPECT_FALSE(derive_rates(v, 1e9).ipc);
  EXPECT_FALSE(derive_rates(v, 0).cpus_utilized);
  EXPECT_TRUE(derive_rates(v, 0).task_clock_ms);
}

// ---- Against a fake broker ----

class Counters : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::software_perf_available())
      GTEST_SKIP() << "perf_event_open of a software event is not allowed here";
  }
  CounterOptions options(std::vector<std::string> events) {
    CounterOptions o;
    o.endpoint = CounterEndpoint{dir_ / "b.sock", ::getuid()};
    o.events = std::move(events);
    return o;
  }
  test::TempDir dir_;
};

TEST_F(Counters, SelfCountsOnlyWhileStarted) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  ProcessCounters c = ProcessCounters::open_self(options({"task-clock", "page-faults"}));
  EXPECT_EQ(c.size(), 2u);
  EXPECT_EQ(c.target(), 0);
  EXPECT_EQ(c.events(), (std::vector<std::string>{"task-clock", "page-faults"}));
  EXPECT_TRUE(c.unsupported().empty());
  burn_cpu();
  EXPECT_EQ(c.read()[0].raw, 0u);  // opened disabled
  c.start();
  burn_cpu();
  std::vector<char> pages(64 << 20);
  for (std::size_t i = 0; i < pages.size(); i += 4096) pages[i] = 1;
  c.stop();
  const std::vector<CounterValue> first = c.read();
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].name, "task-clock");
  EXPECT_GT(first[0].raw, 1'000'000u);
  EXPECT_TRUE(first[0].counted);
  EXPECT_GE(first[1].raw, 1000u);  // 16384 pages touched
  burn_cpu();
  EXPECT_EQ(c.read()[0].raw, first[0].raw);  // stopped
  EXPECT_FALSE(fake.requests().at(0).enable_on_exec);
}

TEST_F(Counters, PidOfAChildOfOurs) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    burn_cpu(400'000'000);
    ::_exit(0);
  }
  ProcessCounters c = ProcessCounters::open_pid(child, options({"task-clock"}));
  EXPECT_EQ(c.target(), child);
  EXPECT_EQ(fake.requests().at(0).pid, child);
  c.start();
  ::usleep(100'000);
  const CounterValue v = c.read()[0];
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_GT(v.raw, 10'000'000u);  // > 10 ms of its CPU in 100 ms
}

TEST_F(Counters, LaunchCountsTheCommandFromItsExec) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  pid_t child = 0;
  std::string exec_error;
  ProcessCounters c = ProcessCounters::launch(
      {"sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; exit 3"},
      options({"task-clock", "context-switches"}), child, &exec_error);
  ASSERT_GT(child, 0);
  EXPECT_GT(c.launched_ns(), 0u);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);
  EXPECT_TRUE(exec_error.empty());
  const test::FakeRequest seen = fake.requests().at(0);
  EXPECT_EQ(seen.pid, child);
  EXPECT_TRUE(seen.enable_on_exec);
  EXPECT_TRUE(seen.inherit);
  const std::vector<CounterValue> v = c.read();
  EXPECT_GT(v[0].raw, 1'000'000u);  // enabled by its execve, without start()
  EXPECT_TRUE(v[0].counted);
}

TEST_F(Counters, LaunchRefusedKillsAndReapsTheChildWhichNeverRuns) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest&) {
    return test::FakeReply{test::error_reply("caller not allowed"), {}};
  });
  const std::string marker = dir_ / "ran";
  pid_t child = 0;
  try {
    (void)ProcessCounters::launch({"touch", marker}, options({"task-clock"}), child);
    ADD_FAILURE() << "launched";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
    EXPECT_NE(std::string(e.what()).find("caller not allowed"), std::string::npos);
  }
  EXPECT_EQ(child, 0);
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);  // reaped: no child left at all
  EXPECT_EQ(errno, ECHILD);
  EXPECT_NE(::access(marker.c_str(), F_OK), 0);
}

TEST_F(Counters, LaunchOfAMissingCommandSaysWhy) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  pid_t child = 0;
  std::string exec_error;
  ProcessCounters c = ProcessCounters::launch({"/nonexistent/sysring-test-cmd"},
                                              options({"task-clock"}), child, &exec_error);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_EQ(WEXITSTATUS(status), 127);
  EXPECT_NE(exec_error.find("No such file"), std::string::npos) << exec_error;
  EXPECT_FALSE(c.read()[0].counted);  // never exec'd: never enabled
}

TEST_F(Counters, BestEffortKeepsWhatIsGrantedAndNamesTheRest) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  CounterOptions o = options({"task-clock", "cycles", "page-faults", "instructions"});
  o.best_effort = true;
  ProcessCounters c = ProcessCounters::open_self(o);
  EXPECT_EQ(c.events(), (std::vector<std::string>{"task-clock", "page-faults"}));
  ASSERT_EQ(c.unsupported().size(), 2u);
  EXPECT_EQ(c.unsupported()[0].name, "cycles");
  EXPECT_NE(c.unsupported()[0].reason.find("cannot open cycles"), std::string::npos);
  EXPECT_EQ(c.unsupported()[1].name, "instructions");
  EXPECT_EQ(fake.connections(), 5);  // the list, then each event alone

  o.best_effort = false;
  EXPECT_THROW((void)ProcessCounters::open_self(o), Error);
  o.events = {"cycles", "instructions"};
  o.best_effort = true;
  try {
    (void)ProcessCounters::open_self(o);
    ADD_FAILURE() << "nothing granted, yet no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kRefused);
  }
}

TEST_F(Counters, OtherErrorsAreNotRetriedEventByEvent) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest&) {
    return test::FakeReply{{1, 2, 3}, {}};
  });
  CounterOptions o = options({"task-clock", "cycles"});
  o.best_effort = true;
  try {
    (void)ProcessCounters::open_self(o);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kProtocol);
  }
  EXPECT_EQ(fake.connections(), 1);
}

TEST_F(Counters, ShortTimeoutOption) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest&) {
    return test::FakeReply{{}, {}, true};
  });
  CounterOptions o = options({"task-clock"});
  o.timeout = 200ms;
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)ProcessCounters::open_self(o);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnreachable);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

// ---- Through a segment ----

class SegmentRoute : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::software_perf_available())
      GTEST_SKIP() << "perf_event_open of a software event is not allowed here";
    name_ = std::make_unique<test::ShmName>(test::unique_name("pc"));
    table_ = test::descriptor_table();
    writer_.emplace(test::make_writer(name_->str(), table_));
  }
  void live() {
    writer_->heartbeat(monotonic_ns(), 1);
    writer_->go_live();
  }
  test::TempDir dir_;
  std::unique_ptr<test::ShmName> name_;
  test::DescriptorImage table_;
  std::optional<broker::SegmentWriter> writer_;
};

TEST_F(SegmentRoute, TheSegmentNamesTheSocketAndItsOwner) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  ASSERT_TRUE(writer_->set_request_socket(fake.path()));
  live();
  const Client client = open_named(name_->str());
  const SegmentInfo info = client.info();
  EXPECT_EQ(info.minor, 1);
  EXPECT_EQ(info.request_socket, fake.path());
  const CounterEndpoint endpoint = CounterEndpoint::of(client);
  EXPECT_EQ(endpoint.socket_path, fake.path());
  EXPECT_EQ(endpoint.broker_uid, info.broker_uid);

  CounterOptions o;
  o.segment = name_->str();
  o.events = {"task-clock"};
  ProcessCounters c = ProcessCounters::open_self(o);
  c.start();
  burn_cpu();
  c.stop();
  EXPECT_GT(c.read()[0].raw, 1'000'000u);
}

TEST_F(SegmentRoute, NoRequestSocketIsUnreachable) {
  live();
  CounterOptions o;
  o.segment = name_->str();
  try {
    (void)ProcessCounters::open_self(o);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnreachable);
    EXPECT_NE(std::string(e.what()).find("serves no per-process counter requests"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(SegmentRoute, AnUnterminatedSocketPathMakesTheSegmentBad) {
  live();
  std::vector<std::uint8_t> image = test::read_object(name_->str());
  const std::size_t at = offsetof(layout::HeaderFixed, request_socket);
  std::memset(image.data() + at, 'a', layout::kRequestSocketChars);
  test::ShmName bad(test::unique_name("pc-bad"));
  test::write_object(bad.str(), image);
  try {
    (void)open_named(bad.str());
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadSegment);
    EXPECT_NE(std::string(e.what()).find("request socket"), std::string::npos) << e.what();
  }
  // The same bytes in a 2.0 segment are padding: ignored, no request socket.
  test::poke<std::uint16_t>(image, offsetof(layout::HeaderFixed, minor), 0);
  test::ShmName old(test::unique_name("pc-old"));
  test::write_object(old.str(), image);
  const Client client = open_named(old.str());
  EXPECT_EQ(client.info().minor, 0);
  EXPECT_TRUE(client.info().request_socket.empty());
}

TEST_F(SegmentRoute, APathOfExactly107BytesIsAccepted) {
  const std::string path = "/" + std::string(layout::kRequestSocketChars - 2, 'p');
  ASSERT_TRUE(writer_->set_request_socket(path));
  live();
  EXPECT_EQ(open_named(name_->str()).info().request_socket, path);
}

// ---- C ABI ----

TEST_F(SegmentRoute, CAbiOpensStartsStopsAndReads) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  ASSERT_TRUE(writer_->set_request_socket(fake.path()));
  live();
  const char* events[] = {"task-clock", "page-faults"};
  sysring_process_counters* pc = nullptr;
  char err[256] = "";
  ASSERT_EQ(
      sysring_process_counters_open_self(name_->str().c_str(), events, 2, &pc, err, sizeof err),
      SYSRING_OK)
      << err;
  ASSERT_NE(pc, nullptr);
  EXPECT_EQ(sysring_process_counters_start(pc), SYSRING_OK);
  burn_cpu();
  EXPECT_EQ(sysring_process_counters_stop(pc), SYSRING_OK);
  sysring_process_counter_value out[4] = {};
  size_t count = 0;
  ASSERT_EQ(sysring_process_counters_read(pc, out, 4, &count), SYSRING_OK);
  ASSERT_EQ(count, 2u);
  EXPECT_STREQ(out[0].name, "task-clock");
  EXPECT_STREQ(out[1].name, "page-faults");
  EXPECT_GT(out[0].value, 1'000'000u);
  EXPECT_GT(out[0].time_enabled_ns, 0u);
  EXPECT_EQ(out[0].time_enabled_ns, out[0].time_running_ns);
  // A short array: the count still says how many there are.
  sysring_process_counter_value one{};
  ASSERT_EQ(sysring_process_counters_read(pc, &one, 1, &count), SYSRING_OK);
  EXPECT_EQ(count, 2u);
  EXPECT_STREQ(one.name, "task-clock");
  EXPECT_EQ(sysring_process_counters_read(pc, nullptr, 0, &count), SYSRING_OK);
  sysring_process_counters_close(pc);

  // pid: a child of ours
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  ASSERT_EQ(sysring_process_counters_open_pid(name_->str().c_str(), child, events, 1, &pc, err,
                                              sizeof err),
            SYSRING_OK)
      << err;
  EXPECT_EQ(fake.requests().back().pid, child);
  sysring_process_counters_close(pc);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
}

TEST_F(SegmentRoute, CAbiErrorsFollowTheConvention) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest&) {
    return test::FakeReply{test::error_reply("event cycles is not allowed"), {}};
  });
  ASSERT_TRUE(writer_->set_request_socket(fake.path()));
  live();
  const char* events[] = {"cycles"};
  sysring_process_counters* pc = reinterpret_cast<sysring_process_counters*>(0x1);
  char err[256] = "";
  EXPECT_EQ(
      sysring_process_counters_open_self(name_->str().c_str(), events, 1, &pc, err, sizeof err),
      SYSRING_E_REFUSED);
  EXPECT_EQ(pc, nullptr);
  EXPECT_NE(std::string(err).find("event cycles is not allowed"), std::string::npos) << err;
  EXPECT_STREQ(sysring_last_error(), err);

  EXPECT_EQ(sysring_process_counters_open_self(test::unique_name("pc-absent").c_str(), events, 1,
                                               &pc, err, sizeof err),
            SYSRING_E_NOT_FOUND);
  EXPECT_EQ(pc, nullptr);
  // Arguments
  EXPECT_EQ(sysring_process_counters_open_self(nullptr, events, 1, nullptr, nullptr, 0),
            SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_process_counters_open_self(nullptr, nullptr, 1, &pc, nullptr, 0),
            SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_process_counters_open_self(nullptr, events, 0, &pc, nullptr, 0),
            SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_process_counters_open_pid(nullptr, 0, events, 1, &pc, nullptr, 0),
            SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_process_counters_open_pid(nullptr, -5, events, 1, &pc, nullptr, 0),
            SYSRING_E_ARGUMENT);
  const char* with_null[] = {"task-clock", nullptr};
  EXPECT_EQ(sysring_process_counters_open_self(nullptr, with_null, 2, &pc, nullptr, 0),
            SYSRING_E_ARGUMENT);
  EXPECT_EQ(pc, nullptr);
  size_t count = 0;
  EXPECT_EQ(sysring_process_counters_start(nullptr), SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_process_counters_stop(nullptr), SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_process_counters_read(nullptr, nullptr, 0, &count), SYSRING_E_ARGUMENT);
  sysring_process_counters_close(nullptr);
}

TEST_F(SegmentRoute, CAbiProtocolAndUnreachableCodes) {
  {
    test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest&) {
      return test::FakeReply{{9, 9}, {}};
    });
    ASSERT_TRUE(writer_->set_request_socket(fake.path()));
    live();
    const char* events[] = {"task-clock"};
    sysring_process_counters* pc = nullptr;
    EXPECT_EQ(sysring_process_counters_open_self(name_->str().c_str(), events, 1, &pc, nullptr, 0),
              SYSRING_E_PROTOCOL);
  }
  // The fake is gone: nothing listens on the path any more.
  const char* events[] = {"task-clock"};
  sysring_process_counters* pc = nullptr;
  char err[256] = "";
  EXPECT_EQ(
      sysring_process_counters_open_self(name_->str().c_str(), events, 1, &pc, err, sizeof err),
      SYSRING_E_UNREACHABLE);
  EXPECT_NE(std::string(err).find("b.sock"), std::string::npos) << err;
}

}  // namespace
}  // namespace sysring
