// Invariants 1 and 6 with real users: a root broker, a client that drops to `nobody` and reads
// the segment but can neither open it for writing, nor make its mapping writable, nor write
// through it, nor remove it; and `nobody` squatting a name is refused by clients and brokers.
// Children report through their exit code and a one-line message on a pipe; every wait is
// bounded.
#include <grp.h>
#include <gtest/gtest.h>

#include <linux/perf_event.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <csignal>

#include <string>
#include <vector>

#include "process_util.hpp"
#include "sysring/client.hpp"
#include "sysring/counter_sample.hpp"
#include "sysring/errno_text.hpp"
#include "sysring/layout.hpp"

namespace sysring {
namespace {

using namespace itest;

constexpr uid_t kNobody = 65534;

OpenOptions options_for(const std::string& name) {
  OpenOptions o;
  o.name = name;
  return o;
}

struct ChildResult {
  std::optional<int> status;  // nullopt: timed out (and killed)
  std::string message;        // what the child wrote on its pipe
  [[nodiscard]] bool ok() const {
    return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  }
  [[nodiscard]] std::string describe() const {
    return (status ? describe_status(*status) : std::string("timed out")) + ": " + message;
  }
};

// Runs `body(report_fd)` in a forked child that first drops to nobody. The child _exits with
// body's result; whatever it writes to report_fd comes back as the message.
ChildResult run_as_nobody(const std::function<int(int)>& body, std::chrono::milliseconds timeout) {
  int fds[2];
  if (::pipe(fds) != 0) return {std::nullopt, "pipe failed"};
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return {std::nullopt, "fork failed"};
  if (pid == 0) {
    ::close(fds[0]);
    auto say = [&](const std::string& s) { (void)!::write(fds[1], s.data(), s.size()); };
    int code = 0;
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
      say(std::string("cannot drop privileges: ") + std::strerror(errno));
      code = 2;
    } else if (::getuid() != kNobody || ::geteuid() != kNobody || ::getgid() != kNobody ||
               ::getegid() != kNobody || ::getgroups(0, nullptr) != 0) {
      say("still privileged after dropping: uid " + std::to_string(::getuid()) + " euid " +
          std::to_string(::geteuid()));
      code = 3;
    } else if (::setuid(0) == 0) {
      say("could regain root");
      code = 4;
    } else {
      try {
        code = body(fds[1]);
      } catch (const std::exception& e) {
        say(std::string("exception: ") + e.what());
        code = 5;
      }
    }
    ::close(fds[1]);
    ::_exit(code);
  }
  ::close(fds[1]);
  ChildResult result;
  const auto deadline = Clock::now() + timeout;
  char buf[512];
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: the child closed its end (exited)
    result.message.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  result.status = wait_exit(pid, std::max(left, std::chrono::milliseconds(100)));
  if (!result.status) {
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  return result;
}

class Unprivileged : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root: the test runs a root broker and drops a child to uid 65534 "
                      "(setgroups/setgid/setuid); run it as root (CI does)";
    }
  }
};

TEST_F(Unprivileged, NobodyReadsTheRootBrokersSegmentButCannotWriteIt) {
  Broker broker(unique_segment());
  auto root_client = broker.wait_ready();
  ASSERT_TRUE(root_client) << broker.last_error() << broker.process().err();
  const std::string name = broker.segment();
  const std::uint64_t epoch = root_client->info().epoch;

  const ChildResult r = run_as_nobody(
      [&](int report) -> int {
        auto say = [&](const std::string& s) { (void)!::write(report, s.data(), s.size()); };
        // 1. Opens with the broker's uid as the expected owner and reads plausible values.
        OpenOptions o;
        o.name = name;
        o.expected_owner = 0;
        Client client = Client::open(o);
        if (client.info().epoch != epoch) return say("other epoch"), 10;
        Scalar total;
        if (client.read(MetricId::mem_total, total) != ReadStatus::kOk || total.as_u64() == 0) {
          return say("mem.total not readable"), 11;
        }
        Text ostype;
        if (client.read_text(MetricId::kern_ostype, ostype) != ReadStatus::kOk ||
            ostype.view() != "Linux") {
          return say("kern.ostype not readable"), 12;
        }
        std::size_t ok = 0;
        for (const Descriptor& d : client.descriptors()) {
          Scalar s;
          Text t;
          if (d.type == ValueType::String ? client.read_text(d.id, t) == ReadStatus::kOk
                                          : client.read(d.id, s) == ReadStatus::kOk) {
            ++ok;
          }
        }
        if (ok < 60) return say("only " + std::to_string(ok) + " metrics ok"), 13;
        if (client.health() != BrokerHealth::kAlive) return say("health not alive"), 14;

        // 2. The object cannot be opened for writing.
        const int rw = ::shm_open(name.c_str(), O_RDWR, 0);
        if (rw >= 0) return ::close(rw), say("O_RDWR open succeeded"), 20;
        if (errno != EACCES) return say(std::string("O_RDWR: ") + std::strerror(errno)), 21;

        // 3. The read-only mapping cannot be made writable.
        const auto* base = reinterpret_cast<const std::uint8_t*>(&client.live_header());
        if (::mprotect(const_cast<std::uint8_t*>(base), 4096, PROT_READ | PROT_WRITE) == 0) {
          return say("mprotect(PROT_WRITE) succeeded"), 22;
        }
        // 4. Nor can the name be removed or replaced.
        if (::shm_unlink(name.c_str()) == 0) return say("shm_unlink succeeded"), 23;

        // 5. A write through the mapping kills the writer with SIGSEGV (in a grandchild).
        std::fflush(nullptr);
        const pid_t g = ::fork();
        if (g < 0) return say("fork failed"), 30;
        if (g == 0) {
          // The kernel's verdict, not a sanitizer's: ASan turns SIGSEGV into an abort.
          (void)::signal(SIGSEGV, SIG_DFL);
          auto* word = const_cast<volatile std::uint64_t*>(
              reinterpret_cast<const volatile std::uint64_t*>(base));
          *word = 0xDEADBEEFULL;  // the magic number
          ::_exit(0);             // reached only if the write went through
        }
        const auto st = wait_exit(g, 5s);
        if (!st) {
          ::kill(g, SIGKILL);
          ::waitpid(g, nullptr, 0);
          return say("grandchild hung"), 31;
        }
        if (!WIFSIGNALED(*st) || WTERMSIG(*st) != SIGSEGV) {
          return say("grandchild: " + describe_status(*st)), 32;
        }
        if (client.live_header().fixed.magic != layout::kMagic) return say("magic changed"), 33;
        say("ok");
        return 0;
      },
      15s);
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_EQ(r.message, "ok");

  // The broker did not notice a thing.
  EXPECT_TRUE(broker.process().running());
  EXPECT_EQ(root_client->health(), BrokerHealth::kAlive);
  EXPECT_EQ(root_client->live_header().fixed.magic, layout::kMagic);
  Client again = Client::open(options_for(name));
  EXPECT_EQ(again.info().epoch, epoch);
}

// The promise of issue 4: counters without sudo. `nobody` reads the root broker's system-wide
// counters through libsysring and sees them advance, while its own system-wide perf_event_open
// is refused with EACCES.
TEST_F(Unprivileged, NobodyReadsSystemWideCountersItCannotOpenItself) {
  const int paranoid = perf_event_paranoid();
  if (paranoid < 1) {
    GTEST_SKIP() << "perf_event_paranoid is " << paranoid
                 << ": every user may count system-wide here, so there is no privilege to prove";
  }
  Broker broker(unique_segment());
  auto root_client = broker.wait_ready();
  ASSERT_TRUE(root_client) << broker.last_error() << broker.process().err();
  ASSERT_FALSE(root_client->counters_summary().empty());
  const std::string name = broker.segment();

  const ChildResult r = run_as_nobody(
      [&](int report) -> int {
        auto say = [&](const std::string& s) { (void)!::write(report, s.data(), s.size()); };
        OpenOptions o;
        o.name = name;
        o.expected_owner = 0;
        const Client client = Client::open(o);
        // Hardware cycles where there is a PMU, else the software fallback's context switches.
        const CounterSample first = CounterSample::take(client, "all");
        const char* event = first.find("cycles") ? "cycles" : "context_switches";
        const CounterSample::Entry* before = first.find(event);
        if (before == nullptr || before->status != ReadStatus::kOk) {
          return say(std::string("pmc.all.") + event +
                     " not readable; counters: " + client.counters_summary()),
                 10;
        }
        // The counters are read every second: wait for the next read, at most 5 s.
        CounterRates rates;
        for (int i = 0; i < 50; ++i) {
          ::usleep(100'000);
          rates = compare(first, CounterSample::take(client, "all"));
          if (rates.find(event) != nullptr && rates.find(event)->valid) break;
        }
        const CounterChange* change = rates.find(event);
        if (change == nullptr || !change->valid || change->count == 0) {
          return say(std::string("pmc.all.") + event + " did not advance"), 11;
        }
        // The same user cannot count system-wide by itself.
        perf_event_attr attr{};
        attr.size = sizeof attr;
        attr.type = PERF_TYPE_SOFTWARE;
        attr.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
        const long fd = ::syscall(SYS_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
        if (fd >= 0) return ::close(static_cast<int>(fd)), say("perf_event_open succeeded"), 12;
        if (errno != EACCES)
          return say(std::string("perf_event_open: ") + std::strerror(errno)), 13;
        say("ok " + std::string(event) + " +" + std::to_string(change->count));
        return 0;
      },
      20s);
  EXPECT_TRUE(r.ok()) << r.describe();
  EXPECT_TRUE(r.message.starts_with("ok ")) << r.message;
}

TEST_F(Unprivileged, NobodySquattingANameIsRefusedByClientsAndBrokers) {
  // A perfect forgery: the bytes of a real, live segment, written by nobody under a new name.
  std::vector<std::uint8_t> bytes;
  {
    Broker real(unique_segment());
    ASSERT_TRUE(real.wait_ready()) << real.last_error();
    bytes = segment_bytes(real.segment());
    ASSERT_FALSE(bytes.empty());
  }
  const std::string name = unique_segment();
  struct Unlink {
    std::string n;
    ~Unlink() { ::shm_unlink(n.c_str()); }
  } cleanup{name};

  const ChildResult r = run_as_nobody(
      [&](int report) -> int {
        auto say = [&](const std::string& s) { (void)!::write(report, s.data(), s.size()); };
        const int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0644);
        if (fd < 0) return say(std::string("create: ") + std::strerror(errno)), 10;
        if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size())) {
          return say("short write"), 11;
        }
        ::fchmod(fd, 0644);
        ::close(fd);
        say("ok");
        return 0;
      },
      10s);
  ASSERT_TRUE(r.ok()) << r.describe();

  // A root client expecting root (or itself) refuses the forgery.
  try {
    Client c = Client::open(options_for(name));
    ADD_FAILURE() << "client accepted a segment owned by nobody";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kForeignOwner) << e.what();
    EXPECT_NE(std::string(e.what()).find("65534"), std::string::npos) << e.what();
  }
  OpenOptions expect_root = options_for(name);
  expect_root.expected_owner = 0;
  EXPECT_THROW({ Client c = Client::open(expect_root); }, Error);

  // A root broker refuses to take the name over, and leaves the squatter's object alone.
  Broker broker(name);
  broker.release_name();
  const auto status = broker.process().wait(5s);
  ASSERT_TRUE(status) << "broker started on a name held by nobody";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) != 0) << describe_status(*status);
  const auto lines = lines_of(broker.process().err());
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("65534"), std::string::npos) << broker.process().err();
  struct stat st {};
  const int fd = ::shm_open(name.c_str(), O_RDONLY, 0);
  ASSERT_GE(fd, 0) << "the squatter's object was removed";
  ::fstat(fd, &st);
  ::close(fd);
  EXPECT_EQ(st.st_uid, kNobody);
}

// Issue 14: /dev/shm lets any user create files, so `nobody` may plant a FIFO (whose blocking
// open never returns), a directory or a symbolic link at a segment name. The root broker (in
// the foreground and as a daemon, whose parent waits for the child's word), `sysring get`,
// `sysring watch` and libsysring each refuse it with one line in bounded time, and leave it.
enum class Planted { kFifo, kDirectory, kSymlink };

struct PlantedCase {
  Planted kind;
  const char* words;  // as the refusal names it
  mode_t type;
};

class HostileObjects : public Unprivileged, public ::testing::WithParamInterface<PlantedCase> {};

TEST_P(HostileObjects, NobodysObjectAtTheNameIsRefusedByBrokerCliAndLibraryAndLeftThere) {
  const PlantedCase c = GetParam();
  const std::string name = unique_segment();
  const std::string path = "/dev/shm" + name;
  struct Cleanup {
    std::string path;
    Planted kind;
    ~Cleanup() {
      if (kind == Planted::kFifo) {
        // Should the bug return, a reader blocked in open() (a daemon child no test process
        // owns) is released by a writer's open.
        const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) ::close(fd);
      }
      if (kind == Planted::kDirectory) {
        ::rmdir(path.c_str());
      } else {
        ::unlink(path.c_str());
      }
    }
  } cleanup{path, c.kind};

  const ChildResult planted = run_as_nobody(
      [&](int report) -> int {
        int rc = -1;
        if (c.kind == Planted::kFifo) rc = ::mkfifo(path.c_str(), 0666);
        if (c.kind == Planted::kDirectory) rc = ::mkdir(path.c_str(), 0777);
        if (c.kind == Planted::kSymlink) rc = ::symlink("/etc/hostname", path.c_str());
        if (rc != 0) {
          const std::string why = "plant: " + errno_text(errno);
          (void)!::write(report, why.data(), why.size());
          return 10;
        }
        return 0;
      },
      10s);
  ASSERT_TRUE(planted.ok()) << planted.describe();

  const std::string refusal =
      std::string("segment ") + name + " is " + c.words + ", not a shared-memory segment";
  auto expect_refusal = [&](const std::vector<std::string>& argv, const char* who) {
    const RunResult r = run(argv, 10s);  // killed, and failed, if it blocks
    EXPECT_TRUE(r.failed_cleanly()) << who << ": " << r.describe();
    EXPECT_TRUE(one_line(r.err)) << who;
    EXPECT_NE(r.err.find(refusal), std::string::npos) << who << ": " << r.describe();
  };
  expect_refusal({SYSRINGD_PATH, "--foreground", "--segment", name, "--tick-ms", "100"},
                 "sysringd --foreground");
  expect_refusal({SYSRINGD_PATH, "--segment", name, "--tick-ms", "100"}, "sysringd (daemon)");
#ifdef SYSRING_CLI_PATH
  expect_refusal({SYSRING_CLI_PATH, "--segment", name, "get", "mem.total"}, "sysring get");
  expect_refusal({SYSRING_CLI_PATH, "--segment", name, "watch", "--count", "1"}, "sysring watch");
#endif

  // libsysring, in a child so that a blocking open fails the test instead of hanging it.
  const ChildResult lib = run_as_nobody(
      [&](int report) -> int {
        try {
          Client client = Client::open(options_for(name));
        } catch (const Error& e) {
          const std::string what = e.what();
          (void)!::write(report, what.data(), what.size());
          return e.code() == ErrorCode::kBadSegment && what.find(refusal) != std::string::npos ? 0
                                                                                               : 20;
        }
        return 21;  // opened it
      },
      10s);
  EXPECT_TRUE(lib.ok()) << "libsysring: " << lib.describe();

  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0) << "the planted object was removed";
  EXPECT_EQ(st.st_mode & S_IFMT, c.type);
  EXPECT_EQ(st.st_uid, kNobody);
}

INSTANTIATE_TEST_SUITE_P(Planted, HostileObjects,
                         ::testing::Values(PlantedCase{Planted::kFifo, "a FIFO", S_IFIFO},
                                           PlantedCase{Planted::kDirectory, "a directory", S_IFDIR},
                                           PlantedCase{Planted::kSymlink, "a symbolic link",
                                                       S_IFLNK}),
                         [](const ::testing::TestParamInfo<PlantedCase>& info) {
                           return std::string(info.param.kind == Planted::kFifo        ? "Fifo"
                                              : info.param.kind == Planted::kDirectory ? "Directory"
                                                                                       : "Symlink");
                         });

// "/." and "/.." would name /dev/shm itself and its parent: a usage error, before any open.
TEST(HostileNames, DotNamesAreUsageErrorsForBrokerAndCli) {
  for (const std::string bad : {"/.", "/.."}) {
    SCOPED_TRACE(bad);
    const RunResult broker = run({SYSRINGD_PATH, "--foreground", "--segment", bad}, 10s);
    EXPECT_TRUE(broker.exited(2)) << broker.describe();
    EXPECT_TRUE(one_line(broker.err));
    EXPECT_NE(broker.err.find("other than '.'"), std::string::npos) << broker.describe();
#ifdef SYSRING_CLI_PATH
    const RunResult cli = run({SYSRING_CLI_PATH, "--segment", bad, "get", "mem.total"}, 10s);
    EXPECT_TRUE(cli.exited(2)) << cli.describe();
    EXPECT_TRUE(one_line(cli.err));
    EXPECT_NE(cli.err.find("other than '.'"), std::string::npos) << cli.describe();
#endif
  }
  struct stat st {};
  EXPECT_EQ(::stat("/dev/shm", &st), 0);  // still there
}

}  // namespace
}  // namespace sysring
