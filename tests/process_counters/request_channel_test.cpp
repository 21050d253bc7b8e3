// The client's half of the request socket against a fake broker in this process: real perf
// descriptors handed over and read, a refusal, garbage, wrong descriptor counts, a descriptor that
// is not a perf event, silence (the 2 s deadline), a hang-up, a truncated reply, a server that is
// not the segment's owner, no socket at all; and no descriptor leaks on any failure.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>

#include "fake_broker.hpp"
#include "request_channel.hpp"
#include "sysring/error.hpp"

namespace sysring {
namespace {

using namespace std::chrono_literals;
using detail::CounterRequestSpec;
using detail::request_counters;

CounterRequestSpec spec_of(std::vector<std::string> events) {
  CounterRequestSpec spec;
  spec.events = std::move(events);
  return spec;
}

// Runs the exchange and returns the error it throws (fails the test if none).
Error exchange_error(const test::FakeBroker& fake, const CounterRequestSpec& spec,
                     std::chrono::milliseconds timeout = 2000ms,
                     std::optional<uid_t> expected = std::nullopt) {
  try {
    (void)request_counters(fake.path(), expected, spec, timeout);
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    return e;
  }
  ADD_FAILURE() << "the exchange succeeded";
  return Error(ErrorCode::kSystem, "none");
}

class Channel : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::software_perf_available())
      GTEST_SKIP() << "perf_event_open of a software event is not allowed here";
  }
  test::TempDir dir_;
};

TEST_F(Channel, GrantedDescriptorsAreRealCountersOfTheCaller) {
  test::FakeBroker fake(dir_ / "b.sock", test::grant_software);
  CounterRequestSpec spec = spec_of({"task-clock", "page-faults"});
  std::vector<detail::GrantedCounter> got = request_counters(fake.path(), ::getuid(), spec, 2000ms);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].name, "task-clock");
  EXPECT_EQ(got[1].name, "page-faults");
  EXPECT_EQ(got[0].type, static_cast<std::uint32_t>(PERF_TYPE_SOFTWARE));
  EXPECT_FALSE(got[0].kernel);
  // The request as the broker saw it: SRQ1, version 1, pid 0 (the caller), as asked.
  const std::vector<test::FakeRequest> seen = fake.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].valid);
  EXPECT_EQ(seen[0].version, 1);
  EXPECT_EQ(seen[0].pid, 0);
  EXPECT_EQ(seen[0].peer_pid, ::getpid());
  EXPECT_EQ(seen[0].events, spec.events);
  EXPECT_TRUE(seen[0].inherit);
  EXPECT_FALSE(seen[0].kernel);
  EXPECT_FALSE(seen[0].enable_on_exec);
  // Close-on-exec, and they count this process once enabled.
  for (const auto& c : got) EXPECT_EQ(::fcntl(c.fd.get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  ASSERT_EQ(::ioctl(got[0].fd.get(), PERF_EVENT_IOC_ENABLE, 0), 0);
  volatile std::uint64_t sink = 0;
  for (std::uint64_t i = 0; i < 20'000'000; ++i) sink = sink + i;
  std::uint64_t words[3] = {};
  ASSERT_EQ(::read(got[0].fd.get(), words, sizeof words), 24);
  EXPECT_GT(words[0], 1'000'000u);  // over 1 ms of task clock
  EXPECT_GT(words[1], 0u);
}

TEST_F(Channel, RefusalCarriesTheBrokersReasonOnOneLine) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest&) {
    return test::FakeReply{test::error_reply("target 1: not yours\n\x1b[31mred"), {}};
  });
  const Error e = exchange_error(fake, spec_of({"task-clock"}));
  EXPECT_EQ(e.code(), ErrorCode::kRefused);
  EXPECT_NE(std::string(e.what()).find("the broker refused: target 1: not yours"),
            std::string::npos)
      << e.what();
  EXPECT_EQ(std::string(e.what()).find('\x1b'), std::string::npos);
}

TEST_F(Channel, DescriptorsThatComeWithARefusalAreClosed) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest& r) {
    test::FakeReply reply = test::grant_software(r);
    reply.bytes = test::error_reply("no");
    return reply;
  });
  const std::size_t before = test::open_fd_count();
  EXPECT_EQ(exchange_error(fake, spec_of({"task-clock"})).code(), ErrorCode::kRefused);
  fake.wait_served(1);
  EXPECT_EQ(test::open_fd_count(), before);
}

TEST_F(Channel, GarbageIsAProtocolError) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest&) {
    return test::FakeReply{{'g', 'a', 'r', 'b', 'a', 'g', 'e', '!', 0, 1, 2, 3}, {}};
  });
  const Error e = exchange_error(fake, spec_of({"task-clock"}));
  EXPECT_EQ(e.code(), ErrorCode::kProtocol);
  EXPECT_NE(std::string(e.what()).find("not a CounterReply"), std::string::npos) << e.what();
}

TEST_F(Channel, AReplyThatFailsVerificationIsAProtocolError) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest& r) {
    test::FakeReply reply = test::grant_software(r);
    // Right identifier, root offset pointing far outside the buffer.
    reply.bytes[0] = 0xF0;
    reply.bytes[1] = 0xFF;
    return reply;
  });
  EXPECT_EQ(exchange_error(fake, spec_of({"task-clock"})).code(), ErrorCode::kProtocol);
}

TEST_F(Channel, AnotherProtocolVersionIsRefused) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest&) {
    return test::FakeReply{test::error_reply("x", 2), {}};
  });
  const Error e = exchange_error(fake, spec_of({"task-clock"}));
  EXPECT_EQ(e.code(), ErrorCode::kProtocol);
  EXPECT_NE(std::string(e.what()).find("version 2"), std::string::npos) << e.what();
}

TEST_F(Channel, TooFewDescriptorsIsAProtocolErrorAndClosesThoseReceived) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest& r) {
    test::FakeReply reply = test::grant_software(r);
    ::close(reply.fds.back());
    reply.fds.pop_back();
    return reply;
  });
  const std::size_t before = test::open_fd_count();
  const Error e = exchange_error(fake, spec_of({"task-clock", "page-faults"}));
  EXPECT_EQ(e.code(), ErrorCode::kProtocol);
  EXPECT_NE(std::string(e.what()).find("1 descriptors for 2 counters"), std::string::npos)
      << e.what();
  fake.wait_served(1);
  EXPECT_EQ(test::open_fd_count(), before);
}

TEST_F(Channel, FewerCountersThanEventsAskedIsAProtocolError) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest& r) {
    test::FakeRequest one = r;
    one.events.resize(1);
    return test::grant_software(one);
  });
  EXPECT_EQ(exchange_error(fake, spec_of({"task-clock", "page-faults"})).code(),
            ErrorCode::kProtocol);
}

TEST_F(Channel, CountersNamedOtherwiseThanAskedAreAProtocolError) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest& r) {
    test::FakeReply reply = test::grant_software(r);
    reply.bytes = test::counters_reply({"page-faults"});
    return reply;
  });
  EXPECT_EQ(exchange_error(fake, spec_of({"task-clock"})).code(), ErrorCode::kProtocol);
}

TEST_F(Channel, KernelModeNotAskedIsAProtocolError) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest& r) {
    test::FakeReply reply = test::grant_software(r);
    reply.bytes = test::counters_reply(r.events, /*kernel=*/true);
    return reply;
  });
  EXPECT_EQ(exchange_error(fake, spec_of({"task-clock"})).code(), ErrorCode::kProtocol);
}

TEST_F(Channel, ADescriptorThatIsNotAPerfEventIsRefused) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest& r) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) return test::FakeReply{};
    ::close(p[1]);
    return test::FakeReply{test::counters_reply(r.events), {p[0]}};
  });
  const std::size_t before = test::open_fd_count();
  const Error e = exchange_error(fake, spec_of({"task-clock"}));
  EXPECT_EQ(e.code(), ErrorCode::kProtocol);
  EXPECT_NE(std::string(e.what()).find("not a perf event"), std::string::npos) << e.what();
  fake.wait_served(1);
  EXPECT_EQ(test::open_fd_count(), before);
}

TEST_F(Channel, MoreDescriptorsThanRoomForIsATruncatedReply) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest& r) {
    test::FakeReply reply;
    for (int i = 0; i < 20; ++i) {
      reply.fds.push_back(test::open_software_event(PERF_COUNT_SW_TASK_CLOCK, 0, false, false));
    }
    reply.bytes = test::counters_reply(r.events);
    return reply;
  });
  const std::size_t before = test::open_fd_count();
  const Error e = exchange_error(fake, spec_of({"task-clock"}));
  EXPECT_EQ(e.code(), ErrorCode::kProtocol);
  EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
  fake.wait_served(1);
  EXPECT_EQ(test::open_fd_count(), before);
}

TEST_F(Channel, AReplyLongerThanTheBufferIsTruncated) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest&) {
    return test::FakeReply{test::error_reply(std::string(100'000, 'x')), {}};
  });
  const Error e = exchange_error(fake, spec_of({"task-clock"}));
  EXPECT_EQ(e.code(), ErrorCode::kProtocol);
  EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos) << e.what();
}

TEST_F(Channel, ABrokerThatNeverAnswersTimesOut) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest&) {
    return test::FakeReply{{}, {}, true};
  });
  const auto start = std::chrono::steady_clock::now();
  const Error e = exchange_error(fake, spec_of({"task-clock"}));  // the default 2 s
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(e.code(), ErrorCode::kUnreachable);
  EXPECT_NE(std::string(e.what()).find("no reply within 2000 ms"), std::string::npos) << e.what();
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 3000ms);
}

TEST_F(Channel, AListenerThatNeverAcceptsTimesOutToo) {
  // Connected through the backlog, never accepted: the send goes into the queue, no reply.
  const int listener = test::listen_seqpacket(dir_ / "b.sock");
  const auto start = std::chrono::steady_clock::now();
  try {
    (void)request_counters(dir_ / "b.sock", ::getuid(), spec_of({"task-clock"}), 300ms);
    ADD_FAILURE() << "succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnreachable) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  ::close(listener);
}

TEST_F(Channel, AHangUpWithoutAReplyIsAProtocolError) {
  test::FakeBroker fake(dir_ / "b.sock", [](const test::FakeRequest&) {
    test::FakeReply r;
    r.hang_up = true;
    return r;
  });
  const Error e = exchange_error(fake, spec_of({"task-clock"}));
  EXPECT_EQ(e.code(), ErrorCode::kProtocol);
  EXPECT_NE(std::string(e.what()).find("closed the connection"), std::string::npos) << e.what();
}

TEST_F(Channel, NoSocketIsUnreachable) {
  try {
    (void)request_counters(dir_ / "absent.sock", ::getuid(), spec_of({"task-clock"}), 2000ms);
    ADD_FAILURE() << "succeeded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnreachable);
    EXPECT_NE(std::string(e.what()).find("absent.sock"), std::string::npos) << e.what();
  }
}

TEST_F(Channel, MalformedRequestsAreRefusedBeforeSending) {
  EXPECT_THROW((void)detail::build_counter_request(spec_of({})), Error);
  EXPECT_THROW((void)detail::build_counter_request(spec_of(std::vector<std::string>(17, "cs"))),
               Error);
  EXPECT_THROW((void)detail::build_counter_request(spec_of({std::string(129, 'e')})), Error);
  CounterRequestSpec negative = spec_of({"cs"});
  negative.pid = -1;
  EXPECT_THROW((void)detail::build_counter_request(negative), Error);
  EXPECT_LE(
      detail::build_counter_request(spec_of(std::vector<std::string>(16, std::string(128, 'e'))))
          .size(),
      detail::kMaxRequestBytes);
}

TEST(PeerTrust, RootAlwaysTheExpectedUidOrTheDefaultSet) {
  const uid_t stranger = ::getuid() == 65534 ? 65533 : 65534;  // neither root nor us
  EXPECT_TRUE(detail::trusted_peer(0, 1234));  // a broker that listened before dropping to 1234
  EXPECT_TRUE(detail::trusted_peer(1234, 1234));
  EXPECT_FALSE(detail::trusted_peer(stranger, 1234));
  EXPECT_TRUE(detail::trusted_peer(::getuid(), std::nullopt));
  EXPECT_FALSE(detail::trusted_peer(stranger, std::nullopt));
}

// A server run by `nobody` (another user squatting the path) is refused before anything is sent.
TEST_F(Channel, AServerThatIsNotTheSegmentOwnerIsRefused) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root to become nobody";
  const std::string path = dir_ / "squat.sock";
  const std::string asked = dir_ / "asked";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t squatter = ::fork();
  ASSERT_GE(squatter, 0);
  if (squatter == 0) {
    ::close(ready[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    const int fd = test::listen_seqpacket(path);
    (void)::write(ready[1], "r", 1);
    // Whatever connects must never send a request to a squatter: note it if one comes.
    for (;;) {
      const int conn = ::accept(fd, nullptr, nullptr);
      char buf[64];
      if (conn >= 0 && ::recv(conn, buf, sizeof buf, 0) > 0) {
        const int note = ::open(asked.c_str(), O_WRONLY | O_CREAT, 0666);
        if (note >= 0) ::close(note);
      }
      if (conn >= 0) ::close(conn);
    }
  }
  ::close(ready[1]);
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ::close(ready[0]);
  for (const std::optional<uid_t> expected : {std::optional<uid_t>(0), std::optional<uid_t>()}) {
    try {
      (void)request_counters(path, expected, spec_of({"task-clock"}), 2000ms);
      ADD_FAILURE() << "a squatter was trusted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kForeignOwner) << e.what();
      EXPECT_NE(std::string(e.what()).find("uid 65534"), std::string::npos) << e.what();
    }
  }
  ::kill(squatter, SIGKILL);
  ::waitpid(squatter, nullptr, 0);
  EXPECT_NE(::access(asked.c_str(), F_OK), 0) << "the request reached the squatter";
}

}  // namespace
}  // namespace sysring
