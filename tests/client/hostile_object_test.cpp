// Issue 14, "hostile names and objects": any local user may create files in /dev/shm, so a
// segment name may hold a FIFO (whose blocking open never returns), a directory, a socket or a
// symbolic link. Client::open, health(), reattach() and the broker's stale-segment check must
// refuse each with one line (kBadSegment), without blocking and without removing it.
// Every test runs under an alarm: if an open blocks again, the process dies with a message
// instead of hanging the suite.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "segment/segment_writer.hpp"
#include "segment_fixture.hpp"
#include "sysring/client.hpp"
#include "sysring/errno_text.hpp"
#include "sysring/error.hpp"

namespace sysring {
namespace {

constexpr unsigned kAlarmSeconds = 20;

std::string shm_path(const std::string& name) {
  return "/dev/shm" + name;
}

enum class Kind { kFifo, kDirectory, kSocket, kSymlink };

const char* word_for(Kind k) {
  switch (k) {
    case Kind::kFifo:
      return "a FIFO";
    case Kind::kDirectory:
      return "a directory";
    case Kind::kSocket:
      return "a socket";
    case Kind::kSymlink:
      return "a symbolic link";
  }
  return "?";
}

// The file type lstat reports for what was planted, to check it is still there afterwards.
mode_t type_of(Kind k) {
  switch (k) {
    case Kind::kFifo:
      return S_IFIFO;
    case Kind::kDirectory:
      return S_IFDIR;
    case Kind::kSocket:
      return S_IFSOCK;
    case Kind::kSymlink:
      return S_IFLNK;
  }
  return 0;
}

// Plants `kind` at /dev/shm/NAME and removes it at the end of the test.
class Planted {
 public:
  Planted(std::string name, Kind kind, const std::string& link_target = "/etc/hostname")
      : name_(std::move(name)), kind_(kind) {
    const std::string path = shm_path(name_);
    int rc = -1;
    switch (kind) {
      case Kind::kFifo:
        rc = ::mkfifo(path.c_str(), 0644);
        break;
      case Kind::kDirectory:
        rc = ::mkdir(path.c_str(), 0755);
        break;
      case Kind::kSymlink:
        rc = ::symlink(link_target.c_str(), path.c_str());
        break;
      case Kind::kSocket: {
        socket_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        (void)std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
        rc = socket_ < 0 ? -1
                         : ::bind(socket_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
        break;
      }
    }
    if (rc != 0) throw std::runtime_error("cannot plant at " + path + ": " + errno_text(errno));
  }
  Planted(const Planted&) = delete;
  Planted& operator=(const Planted&) = delete;
  ~Planted() {
    const std::string path = shm_path(name_);
    if (kind_ == Kind::kDirectory) {
      ::rmdir(path.c_str());
    } else {
      ::unlink(path.c_str());
    }
    if (socket_ >= 0) ::close(socket_);
  }
  [[nodiscard]] const std::string& name() const { return name_; }
  // Still there, and still what was planted.
  [[nodiscard]] bool intact() const {
    struct stat st {};
    return ::lstat(shm_path(name_).c_str(), &st) == 0 && (st.st_mode & S_IFMT) == type_of(kind_);
  }

 private:
  std::string name_;
  Kind kind_;
  int socket_ = -1;
};

extern "C" void on_alarm(int /*signo*/) {
  const char msg[] = "hostile_object_test: blocked on a planted object; failing\n";
  (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
  ::_exit(1);
}

class HostileObject : public ::testing::TestWithParam<Kind> {
 protected:
  void SetUp() override {
    (void)std::signal(SIGALRM, on_alarm);
    ::alarm(kAlarmSeconds);
  }
  void TearDown() override { ::alarm(0); }
};

void expect_refused(const std::function<void()>& call, Kind kind) {
  try {
    call();
    ADD_FAILURE() << "accepted " << word_for(kind);
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_EQ(e.code(), ErrorCode::kBadSegment) << message;
    EXPECT_NE(message.find(std::string("is ") + word_for(kind) +
                           ", not a shared-memory segment; refusing it"),
              std::string::npos)
        << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST_P(HostileObject, ClientOpenRefusesItWithoutBlocking) {
  // The link points at a valid segment of ours: only O_NOFOLLOW keeps it from being followed.
  const test::ShmName real(test::unique_name("hob-real"));
  auto writer = test::make_writer(real.str(), test::descriptor_table());
  writer.go_live();
  const Planted planted(test::unique_name("hob"), GetParam(), shm_path(real.str()));
  OpenOptions o;
  o.name = planted.name();
  expect_refused([&] { Client c = Client::open(o); }, GetParam());
  o.require_live = false;
  expect_refused([&] { Client c = Client::open(o); }, GetParam());
  EXPECT_TRUE(planted.intact());
}

TEST_P(HostileObject, HealthAndReattachRefuseWhatReplacedTheSegment) {
  const std::string name = test::unique_name("hob-re");
  auto writer = test::make_writer(name, test::descriptor_table());
  writer.go_live();
  OpenOptions o;
  o.name = name;
  Client client = Client::open(o);
  ASSERT_EQ(client.health(), BrokerHealth::kAlive);
  // A valid copy for the link to point at: only O_NOFOLLOW keeps reattach from adopting it.
  const test::ShmName other(test::unique_name("hob-oth"));
  test::write_object(other.str(), test::read_object(name));
  // The segment's name goes (the broker still holds it mapped) and another object takes it.
  ASSERT_EQ(::shm_unlink(name.c_str()), 0);
  const Planted planted(name, GetParam(), shm_path(other.str()));
  EXPECT_EQ(client.health(), BrokerHealth::kGone);
  expect_refused([&] { (void)client.reattach(); }, GetParam());
  writer.close();  // must not block on, nor remove, what took its name
  EXPECT_TRUE(planted.intact());
}

TEST_P(HostileObject, BrokerRefusesToReplaceItAndLeavesItThere) {
  const Planted planted(test::unique_name("hob-brk"), GetParam());
  expect_refused([&] { broker::remove_stale_segment(planted.name(), monotonic_ns()); }, GetParam());
  EXPECT_TRUE(planted.intact());
  broker::SegmentConfig c;
  const test::DescriptorImage table = test::descriptor_table();
  c.name = planted.name();
  c.value_words = table.value_words;
  c.descriptors = table.bytes;
  expect_refused([&] { (void)broker::SegmentWriter::create(c); }, GetParam());
  EXPECT_TRUE(planted.intact());
}

INSTANTIATE_TEST_SUITE_P(Kinds, HostileObject,
                         ::testing::Values(Kind::kFifo, Kind::kDirectory, Kind::kSocket,
                                           Kind::kSymlink),
                         [](const ::testing::TestParamInfo<Kind>& info) {
                           switch (info.param) {
                             case Kind::kFifo:
                               return std::string("Fifo");
                             case Kind::kDirectory:
                               return std::string("Directory");
                             case Kind::kSocket:
                               return std::string("Socket");
                             case Kind::kSymlink:
                               return std::string("Symlink");
                           }
                           return std::string("Unknown");
                         });

TEST(SegmentNames, DotsAloneAreRefused) {
  for (const char* bad : {"/.", "/..", "/..."}) {
    SCOPED_TRACE(bad);
    OpenOptions o;
    o.name = bad;
    try {
      Client c = Client::open(o);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidName) << e.what();
      EXPECT_NE(std::string(e.what()).find("other than '.'"), std::string::npos) << e.what();
    }
    broker::SegmentConfig c;
    c.name = bad;
    EXPECT_THROW((void)broker::SegmentWriter::create(c), Error);
  }
  // A dot among other characters is still a valid name.
  EXPECT_TRUE(segment_name_problem("/.a").empty());
  EXPECT_TRUE(segment_name_problem("/a..").empty());
}

}  // namespace
}  // namespace sysring
