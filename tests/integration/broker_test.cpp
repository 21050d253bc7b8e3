// The real sysringd (and the sysring CLI when it is built) as child processes: serving, the ring,
// liveness and restart (invariant 4), exclusive creation and squatting (invariant 6), and the
// daemon's command line. Every broker is killed and every name removed by RAII guards.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "process_util.hpp"
#include "sysring/client.hpp"
#include "sysring/ring_follower.hpp"

namespace sysring {
namespace {

using namespace itest;

OpenOptions options_for(const std::string& name) {
  OpenOptions o;
  o.name = name;
  return o;
}

// ---- Serving ----

TEST(Broker, ServesPlausibleMetricsThroughTheLibrary) {
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << "broker never became readable: " << broker.last_error()
                      << "; stderr: " << broker.process().err();

  const SegmentInfo info = client->info();
  EXPECT_EQ(info.broker_pid, static_cast<std::uint32_t>(broker.process().pid()));
  EXPECT_EQ(info.broker_uid, ::geteuid());
  EXPECT_EQ(info.tick_period_ns, 100'000'000u);
  EXPECT_TRUE(info.schema_matches);
  EXPECT_EQ(info.state, layout::BrokerState::kLive);
  EXPECT_EQ(client->platform(), "linux");
  EXPECT_EQ(client->health(), BrokerHealth::kAlive);

  // The segment is created with mode 0644 and owned by the broker's user.
  struct stat st {};
  const int fd = ::shm_open(broker.segment().c_str(), O_RDONLY, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::fstat(fd, &st), 0);
  ::close(fd);
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(st.st_uid, ::geteuid());

  // At least 60 available metrics read with status ok, each stamped no later than now.
  std::size_t ok = 0;
  const bool enough = wait_until(
      [&] {
        ok = 0;
        for (const Descriptor& d : client->descriptors()) {
          if (!d.available) continue;
          if (d.type == ValueType::String) {
            Text t;
            if (client->read_text(d.id, t) == ReadStatus::kOk) ++ok;
          } else {
            Scalar s;
            if (client->read(d.id, s) == ReadStatus::kOk && s.read_time_ns <= monotonic_ns() &&
                s.read_time_ns >= info.start_mono_ns) {
              ++ok;
            }
          }
        }
        return ok >= 60;
      },
      3s, 50ms);
  EXPECT_TRUE(enough) << "only " << ok << " metrics read ok";

  Scalar total;
  ASSERT_EQ(client->read(MetricId::mem_total, total), ReadStatus::kOk);
  EXPECT_EQ(total.type, ValueType::U64);
  EXPECT_GT(total.as_u64(), 16ULL << 20) << "mem.total is in bytes";
  Scalar free_mem;
  if (client->read(MetricId::mem_free, free_mem) == ReadStatus::kOk) {
    EXPECT_LE(free_mem.as_u64(), total.as_u64());
  }

  Text ostype;
  ASSERT_EQ(client->read_text(MetricId::kern_ostype, ostype), ReadStatus::kOk);
  EXPECT_EQ(ostype.view(), "Linux");

  Scalar load;
  ASSERT_EQ(client->read(MetricId::load_avg1, load), ReadStatus::kOk);
  EXPECT_EQ(load.type, ValueType::F64);
  EXPECT_TRUE(std::isfinite(load.as_f64()));
  EXPECT_GE(load.as_f64(), 0.0);

  // The heartbeat advances with the ticks.
  const std::uint64_t ticks = client->info().tick_count;
  EXPECT_TRUE(wait_until([&] { return client->info().tick_count >= ticks + 2; }, 2s))
      << "tick count stuck at " << client->info().tick_count;
}

TEST(Broker, PublishesComputedMetrics) {
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error() << "; stderr: " << broker.process().err();

  Scalar used;
  ASSERT_TRUE(wait_until(
      [&] { return client->read(MetricId::computed_mem_used_percent, used) == ReadStatus::kOk; },
      2s, 20ms));
  EXPECT_GT(used.as_f64(), 0.0);
  EXPECT_LE(used.as_f64(), 100.0);

  // CPU busy needs two reads one TTL (1 s) apart: empty first, never a made-up 0, then a value.
  Scalar busy;
  ReadStatus status = ReadStatus::kEmpty;
  EXPECT_TRUE(wait_until(
      [&] {
        status = client->read(MetricId::computed_cpu_busy_percent, busy);
        EXPECT_TRUE(status == ReadStatus::kEmpty || status == ReadStatus::kOk ||
                    status == ReadStatus::kUnavailable)
            << to_string(status);
        return status == ReadStatus::kOk;
      },
      4s, 50ms))
      << to_string(status);
  EXPECT_GE(busy.as_f64(), 0.0);
  EXPECT_LE(busy.as_f64(), 100.0);

  Scalar swap;
  status = client->read(MetricId::computed_swap_used_percent, swap);
  EXPECT_TRUE(status == ReadStatus::kOk || status == ReadStatus::kUnavailable)
      << to_string(status) << ": without swap it is unavailable, not 0";
}

TEST(Broker, FollowerSeesAFullSnapshotFirstThenDeltas) {
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error();
  RingFollower follower(*client);
  Batch batch;
  ASSERT_EQ(follower.poll(batch), PollResult::kBatch);
  EXPECT_TRUE(batch.full_snapshot);
  EXPECT_EQ(batch.lost_batches, 0u);
  EXPECT_GE(batch.values.size() + batch.strings.size(), 60u);

  // Then ring batches: deltas (not snapshots), in order, naming metrics the segment describes.
  int deltas = 0;
  std::uint64_t last_position = 0;
  bool first = true;
  const bool got = wait_until(
      [&] {
        const PollResult r = follower.poll(batch);
        if (r != PollResult::kBatch) {
          EXPECT_NE(r, PollResult::kCorrupt);
          return false;
        }
        EXPECT_FALSE(batch.from_value_table) << "lapped at 100 ms ticks?";
        EXPECT_FALSE(batch.full_snapshot) << "position " << batch.position;
        if (!first) {
          EXPECT_EQ(batch.position, last_position + 1);
        }
        first = false;
        last_position = batch.position;
        for (const Delta& d : batch.values) EXPECT_NE(client->descriptor(d.id), nullptr);
        return ++deltas >= 3;
      },
      5s, 20ms);
  EXPECT_TRUE(got) << "only " << deltas << " delta batches in 5 s";
  EXPECT_EQ(follower.lost_total(), 0u);
  EXPECT_EQ(follower.corrupt_count(), 0u);
}

// ---- The CLI ----

#ifdef SYSRING_CLI_PATH
TEST(BrokerCli, GetAllAndUnknownMetric) {
  Broker broker(unique_segment());
  ASSERT_TRUE(broker.wait_ready()) << broker.last_error();

  const RunResult get =
      run({SYSRING_CLI_PATH, "--segment", broker.segment(), "get", "mem.total", "kern.ostype"});
  ASSERT_TRUE(get.exited(0)) << get.describe();
  EXPECT_NE(get.out.find("mem.total"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("kern.ostype"), std::string::npos) << get.out;
  EXPECT_NE(get.out.find("Linux"), std::string::npos) << get.out;
  EXPECT_EQ(get.err, "");

  // --json all: valid JSON with every metric and every instance of each family; mem.total a
  // positive number, kern.ostype "Linux"; scalars with instance null and labels {}, instance
  // values named by instance and labels (lo always exists).
  const RunResult all = run({SYSRING_CLI_PATH, "--segment", broker.segment(), "--json", "all"});
  ASSERT_TRUE(all.exited(0)) << all.describe();
  char path[] = "/tmp/sysring-json-XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, all.out.data(), all.out.size()), static_cast<ssize_t>(all.out.size()));
  ::close(fd);
  const std::string checker =
      "import json,sys\n"
      "d=json.load(open(sys.argv[1]))\n"
      "found={}\n"
      "def walk(x):\n"
      "  if isinstance(x,dict):\n"
      "    if 'name' in x and 'value' in x: found[x['name']]=x['value']\n"
      "    for v in x.values(): walk(v)\n"
      "  elif isinstance(x,list):\n"
      "    for v in x: walk(v)\n"
      "walk(d)\n"
      "assert len(found)>=100, 'metrics in JSON: %d' % len(found)\n"
      "m=d['metrics']\n"
      "assert all('instance' in x and isinstance(x['labels'],dict) for x in m), m[:3]\n"
      "s=[x for x in m if x['name']=='mem.total']\n"
      "assert len(s)==1 and s[0]['instance'] is None and s[0]['labels']=={}, s\n"
      "lo=[x for x in m if x['name']=='netif.rx_bytes' and x['instance']=='lo']\n"
      "assert len(lo)==1 and lo[0]['labels']['device']=='lo', lo\n"
      "assert list(lo[0]['labels'])==['device','address','broadcast','ifalias'], lo\n"
      "t=found.get('mem.total'); assert isinstance(t,int) and t>0, 'mem.total=%r' % (t,)\n"
      "assert found.get('kern.ostype')=='Linux', 'kern.ostype=%r' % (found.get('kern.ostype'),)\n"
      "l=found.get('load.avg1'); assert isinstance(l,(int,float)) and l>=0, 'load.avg1=%r' % "
      "(l,)\n";
  const RunResult check = run({PYTHON3_PATH, "-c", checker, path});
  ::unlink(path);
  EXPECT_TRUE(check.exited(0)) << check.describe() << "\nJSON was: " << all.out.substr(0, 2000);

  const RunResult bad =
      run({SYSRING_CLI_PATH, "--segment", broker.segment(), "get", "no.such.metric"});
  EXPECT_TRUE(bad.exited(1)) << bad.describe();
  EXPECT_TRUE(one_line(bad.err));
  EXPECT_NE(bad.err.find("no.such.metric"), std::string::npos) << bad.err;
}

TEST(BrokerCli, GetSelectsInstancesOfAFamily) {
  Broker broker(unique_segment());
  ASSERT_TRUE(broker.wait_ready()) << broker.last_error();
  const RunResult lo = run({SYSRING_CLI_PATH, "--segment", broker.segment(), "get",
                            "netif.rx_bytes{device=\"lo\"}", "mem.total"});
  ASSERT_TRUE(lo.exited(0)) << lo.describe();
  EXPECT_NE(lo.out.find("\nnetif.rx_bytes{device=\"lo\"} "), std::string::npos) << lo.out;
  EXPECT_NE(lo.out.find("\nmem.total "), std::string::npos) << lo.out;
  EXPECT_EQ(lines_of(lo.out).size(), 3u) << lo.out;

  const RunResult none = run({SYSRING_CLI_PATH, "--segment", broker.segment(), "get",
                              "netif.rx_bytes{device=\"no-such-nic\"}"});
  EXPECT_TRUE(none.exited(1)) << none.describe();
  EXPECT_EQ(none.err,
            "sysring: error: no instance of netif.rx_bytes matches {device=\"no-such-nic\"}\n");
  const RunResult malformed =
      run({SYSRING_CLI_PATH, "--segment", broker.segment(), "get", "netif.rx_bytes{device}"});
  EXPECT_TRUE(malformed.exited(2)) << malformed.describe();
  EXPECT_TRUE(one_line(malformed.err));
}

TEST(BrokerCli, NoBrokerIsOneLineAndNonZero) {
  const RunResult r = run({SYSRING_CLI_PATH, "--segment", unique_segment(), "get", "mem.total"});
  EXPECT_TRUE(r.failed_cleanly()) << r.describe();
  EXPECT_TRUE(one_line(r.err));
}
#endif

// ---- Exclusive creation ----

TEST(Broker, SecondBrokerOnTheSameNameRefusesToStart) {
  Broker first(unique_segment());
  auto client = first.wait_ready();
  ASSERT_TRUE(client) << first.last_error();
  const std::uint64_t epoch = client->info().epoch;

  Broker second(first.segment());
  second.release_name();  // its destructor must not remove the first broker's segment
  const auto status = second.process().wait(5s);
  ASSERT_TRUE(status) << "second broker still running after 5 s";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0) << describe_status(*status);
  const std::string err = second.process().err();
  const auto lines = lines_of(err);
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("live broker"), std::string::npos) << err;

  // The first broker and its segment are untouched.
  EXPECT_TRUE(first.process().running());
  EXPECT_EQ(client->health(), BrokerHealth::kAlive);
  Client again = Client::open(options_for(first.segment()));
  EXPECT_EQ(again.info().epoch, epoch);
}

// ---- Liveness and restart ----

TEST(Broker, SigtermExitsZeroRemovesTheNameAndClientsSeeGone) {
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error();
  ASSERT_EQ(client->health(), BrokerHealth::kAlive);

  const auto sent = Clock::now();
  broker.process().signal(SIGTERM);
  const bool gone = wait_until([&] { return client->health() == BrokerHealth::kGone; }, 3s, 2ms);
  const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent);
  ASSERT_TRUE(gone) << "health still " << to_string(client->health());
  // Three ticks, plus scheduling slack for a loaded CI machine.
  EXPECT_LE(latency.count(), 3 * 100 + 200) << "kGone seen after " << latency.count() << " ms";

  const auto status = broker.process().wait(3s);
  ASSERT_TRUE(status) << "broker did not exit within 3 s of SIGTERM";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << describe_status(*status) << broker.process().err();
  EXPECT_FALSE(shm_exists(broker.segment())) << "segment name left behind";
  EXPECT_EQ(client->info().state, layout::BrokerState::kClosed);
  // The old mapping stays valid and readable.
  Scalar total;
  EXPECT_EQ(client->read(MetricId::mem_total, total), ReadStatus::kOk);
}

TEST(Broker, SigkillIsGoneAndANewBrokerReplacesTheStaleSegment) {
  const std::string name = unique_segment();
  std::uint64_t old_epoch = 0, old_inode = 0;
  std::optional<Client> client;
  {
    Broker first(name);
    client = first.wait_ready();
    ASSERT_TRUE(client) << first.last_error();
    old_epoch = client->info().epoch;
    old_inode = client->info().inode;
    first.release_name();
    first.process().signal(SIGKILL);
    const auto status = first.process().wait(3s);  // reaped: the pid names no process now
    ASSERT_TRUE(status && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
  }
  EXPECT_TRUE(shm_exists(name)) << "a killed broker cannot have removed its segment";
  EXPECT_TRUE(wait_until([&] { return client->health() == BrokerHealth::kGone; }, 300ms))
      << "health " << to_string(client->health());
  EXPECT_FALSE(client->reattach()) << "nothing newer yet";

  Broker second(name);
  auto fresh = second.wait_ready();
  ASSERT_TRUE(fresh) << "the new broker did not replace the stale segment: " << second.last_error()
                     << "; stderr: " << second.process().err();
  EXPECT_TRUE(second.process().running());
  EXPECT_NE(fresh->info().epoch, old_epoch);
  EXPECT_NE(fresh->info().inode, old_inode);
  ASSERT_TRUE(client->reattach()) << "old epoch " << old_epoch << " inode " << old_inode
                                  << "; new epoch " << fresh->info().epoch << " inode "
                                  << fresh->info().inode << "; client still on epoch "
                                  << client->info().epoch;
  EXPECT_NE(client->info().epoch, old_epoch);
  EXPECT_NE(client->info().inode, old_inode);
  EXPECT_EQ(client->info().broker_pid, static_cast<std::uint32_t>(second.process().pid()));
  EXPECT_EQ(client->health(), BrokerHealth::kAlive);
  Scalar total;
  EXPECT_EQ(client->read(MetricId::mem_total, total), ReadStatus::kOk);
}

TEST(Broker, StoppedBrokerIsStaleWithinThreeTicks) {
  Broker broker(unique_segment());
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error();
  broker.process().signal(SIGSTOP);
  const auto sent = Clock::now();
  const bool stale = wait_until([&] { return client->health() == BrokerHealth::kStale; }, 2s, 5ms);
  const auto latency = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - sent);
  broker.process().signal(SIGCONT);
  ASSERT_TRUE(stale) << "health " << to_string(client->health());
  EXPECT_LE(latency.count(), 4 * 100 + 200);
  EXPECT_TRUE(wait_until([&] { return client->health() == BrokerHealth::kAlive; }, 2s));
}

TEST(Broker, ReplacesItsOwnStaleSegmentWhoseHeaderNamesNoProcess) {
  // Our own leftover segment, LIVE with a fresh heartbeat, whose broker_pid is 0xFFFFFFFF (no
  // process can have it; as a pid_t it is -1, and kill(-1, 0) asks about every process). It is
  // stale and ours, so a new broker must remove it and start, not report "a live broker".
  std::vector<std::uint8_t> bytes;
  {
    Broker donor(unique_segment());
    ASSERT_TRUE(donor.wait_ready()) << donor.last_error();
    bytes = segment_bytes(donor.segment());
    ASSERT_FALSE(bytes.empty());
  }
  const auto put = [&](std::size_t offset, auto value) {
    std::memcpy(bytes.data() + offset, &value, sizeof value);
  };
  put(offsetof(layout::HeaderFixed, broker_pid), std::uint32_t{0xFFFFFFFFu});
  put(offsetof(layout::HeaderFixed, tick_period_ns), std::uint64_t{60'000'000'000ULL});
  put(offsetof(layout::Header, heartbeat_ns), monotonic_ns());
  const std::string name = unique_segment();
  {
    const int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::fchmod(fd, 0644);
    ::close(fd);
  }
  Broker broker(name);
  auto client = broker.wait_ready();
  EXPECT_TRUE(client) << "broker did not replace its own stale segment: " << broker.last_error()
                      << "; stderr: " << broker.process().err();
}

// ---- Command line ----

TEST(Broker, BadFlagsExitNonZeroWithOneLine) {
  const std::vector<std::vector<std::string>> cases = {
      {"--tick-ms", "0"},   {"--segment", "bad"},
      {"--bogus"},          {"--segment", "/" + std::string(31, 'x')},
      {"--tick-ms", "ten"}, {"--ring-slots", "3"},
      {"--mode", "0666"},
  };
  for (const auto& flags : cases) {
    std::vector<std::string> argv{SYSRINGD_PATH, "--foreground"};
    const std::string name = unique_segment();
    const bool names_segment = std::find(flags.begin(), flags.end(), "--segment") != flags.end();
    if (!names_segment) argv.insert(argv.end(), {"--segment", name});
    argv.insert(argv.end(), flags.begin(), flags.end());
    std::string joined;
    for (const auto& f : flags) joined += f + " ";
    SCOPED_TRACE(joined);
    const RunResult r = run(argv, 5s);
    ::shm_unlink(name.c_str());
    EXPECT_TRUE(r.failed_cleanly()) << r.describe();
    EXPECT_TRUE(one_line(r.err));
    EXPECT_EQ(r.out, "");
  }
}

TEST(Broker, RefusesANameHeldByAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to fchown the object to uid 65534";
  const std::string name = unique_segment();
  struct Unlink {
    std::string n;
    ~Unlink() { ::shm_unlink(n.c_str()); }
  } cleanup{name};
  const int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0644);
  ASSERT_GE(fd, 0) << std::strerror(errno);
  ASSERT_EQ(::ftruncate(fd, 4096), 0);
  ASSERT_EQ(::fchown(fd, 65534, 65534), 0) << std::strerror(errno);
  ::close(fd);

  Broker broker(name);
  broker.release_name();
  const auto status = broker.process().wait(5s);
  ASSERT_TRUE(status) << "broker still running: it took over another user's name";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0) << describe_status(*status);
  const auto lines = lines_of(broker.process().err());
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("65534"), std::string::npos) << broker.process().err();
  // The squatter's object is left alone.
  struct stat st {};
  const int again = ::shm_open(name.c_str(), O_RDONLY, 0);
  ASSERT_GE(again, 0) << "the broker removed another user's object";
  ::fstat(again, &st);
  ::close(again);
  EXPECT_EQ(st.st_uid, 65534u);
}

}  // namespace
}  // namespace sysring
