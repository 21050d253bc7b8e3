// The segment removed, replaced or truncated under a running broker (issue 14). Only its owner
// or root can do that (docs/DESIGN.md, "Threat model"); the broker must notice within a tick or
// two, say so in one line and stop with status 1 (a service manager restarts it on a fresh
// segment), never crash with SIGBUS, and never remove an object that is not its own.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "process_util.hpp"
#include "sysring/client.hpp"

namespace sysring {
namespace {

using namespace itest;

constexpr std::uint32_t kTickMs = 50;

// Waits for the broker to stop by itself, and checks it stopped with status 1 and `reason`.
void expect_stopped_with(Broker& broker, const std::string& reason) {
  const auto status = broker.process().wait(3s);
  ASSERT_TRUE(status) << "broker still runs 3 s (60 ticks) later";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 1)
      << describe_status(*status) << "; stderr: " << broker.process().err();
  EXPECT_NE(broker.process().err().find("segment " + broker.segment() + " was " + reason),
            std::string::npos)
      << broker.process().err();
}

off_t object_size(const std::string& name) {
  const int fd = ::shm_open(name.c_str(), O_RDONLY, 0);
  if (fd < 0) return -1;
  struct stat st {};
  const int rc = ::fstat(fd, &st);
  ::close(fd);
  return rc == 0 ? st.st_size : -1;
}

TEST(SegmentFate, RemovedNameStopsTheBroker) {
  Broker broker(unique_segment(), kTickMs);
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error();
  ASSERT_EQ(::shm_unlink(broker.segment().c_str()), 0);
  expect_stopped_with(broker, "removed under the broker");
  // A client still mapping the orphaned object learns at once that it is gone.
  EXPECT_EQ(client->info().state, layout::BrokerState::kClosed);
  EXPECT_EQ(client->health(), BrokerHealth::kGone);
}

TEST(SegmentFate, ReplacedNameStopsTheBrokerAndKeepsTheNewObject) {
  Broker broker(unique_segment(), kTickMs);
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error();
  ASSERT_EQ(::shm_unlink(broker.segment().c_str()), 0);
  const int fd = ::shm_open(broker.segment().c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 4096), 0);
  ::close(fd);
  expect_stopped_with(broker, "replaced by another object under the broker");
  EXPECT_EQ(object_size(broker.segment()), 4096) << "the broker removed or changed a new object";
  EXPECT_EQ(client->info().state, layout::BrokerState::kClosed);
}

TEST(SegmentFate, TruncatedSegmentStopsTheBrokerWithoutACrash) {
  Broker broker(unique_segment(), kTickMs);
  {
    auto client = broker.wait_ready();
    ASSERT_TRUE(client) << broker.last_error();
  }  // unmapped: reading a truncated segment is SIGBUS for a client too
  const int fd = ::shm_open(broker.segment().c_str(), O_RDWR, 0);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::ftruncate(fd, 0), 0);
  ::close(fd);
  // Either the tick's check or, when the truncation lands during the tick's writes, the SIGBUS
  // guard: one line and status 1 both ways.
  expect_stopped_with(broker, "truncated under the broker");
}

TEST(SegmentFate, TheBrokerNeverResizesItsSegment) {
  Broker broker(unique_segment(), kTickMs);
  auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error();
  const off_t created = object_size(broker.segment());
  EXPECT_EQ(static_cast<std::uint64_t>(created), client->info().total_size);
  std::this_thread::sleep_for(std::chrono::milliseconds(10 * kTickMs));
  EXPECT_EQ(object_size(broker.segment()), created);
  EXPECT_TRUE(broker.process().running());
  EXPECT_EQ(client->health(), BrokerHealth::kAlive);
}

}  // namespace
}  // namespace sysring
