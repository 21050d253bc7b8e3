// The rtnetlink dumper against this machine's kernel: a dump lists the interfaces /proc/net/dev
// lists, dump after dump on one socket, into one buffer, without allocating. Skipped where a
// NETLINK_ROUTE socket cannot be had.
#include "sources/linux/rtnetlink_dumper.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "allocation_count.hpp"
#include "sources/linux/netdev_parser.hpp"
#include "sources/linux/rtnetlink_parser.hpp"

namespace sysring::broker::linux_instances {
namespace {

std::set<std::string> netdev_names() {
  std::ifstream in("/proc/net/dev");
  std::stringstream text;
  text << in.rdbuf();
  const std::string bytes = text.str();
  std::set<std::string> out;
  NetdevLineReader reader(bytes);
  NetdevLine line;
  while (reader.next(line)) out.emplace(line.name);
  return out;
}

std::set<std::string> link_names(const LinkDump& dump, DumpStatus& status) {
  std::set<std::string> out;
  LinkDumpReader reader(dump.bytes);
  LinkRecord link;
  while (reader.next(link)) out.emplace(link.name);
  status = reader.status();
  return out;
}

class RtnetlinkDumperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const LinkDump first = dumper_.dump();
    if (first.error != 0) {
      GTEST_SKIP() << "no rtnetlink here: " << first.step << ": errno " << first.error;
    }
  }
  RtnetlinkDumper dumper_;
};

TEST_F(RtnetlinkDumperTest, ADumpListsTheInterfacesOfProcNetDev) {
  const std::set<std::string> before = netdev_names();
  const LinkDump dump = dumper_.dump();
  ASSERT_EQ(dump.error, 0) << dump.step;
  DumpStatus status = DumpStatus::kUnfinished;
  const std::set<std::string> links = link_names(dump, status);
  EXPECT_EQ(status, DumpStatus::kDone);
  if (before == netdev_names()) {
    EXPECT_EQ(links, before);
  }
  EXPECT_TRUE(links.count("lo") != 0);
}

TEST_F(RtnetlinkDumperTest, DumpAfterDumpReusesOneBufferWithoutAllocating) {
  const LinkDump second = dumper_.dump();
  ASSERT_EQ(second.error, 0);
  LinkDump third;
  std::size_t allocations = 0;
  {
    test::AllocationCount counter;
    third = dumper_.dump();
    allocations = counter.count();
  }
  ASSERT_EQ(third.error, 0) << third.step;
  EXPECT_EQ(third.bytes.data(), second.bytes.data());
  if (test::kCountsAllocations) {
    EXPECT_EQ(allocations, 0U);
  }
  DumpStatus status = DumpStatus::kUnfinished;
  link_names(third, status);
  EXPECT_EQ(status, DumpStatus::kDone);
}

TEST_F(RtnetlinkDumperTest, ADumpEndsWithItsDoneAndHoldsNothingAfterIt) {
  const LinkDump dump = dumper_.dump();
  ASSERT_EQ(dump.error, 0);
  ASSERT_GE(dump.bytes.size(), rtnetlink::kMessageHeaderBytes);
  std::span<const std::byte> rest = dump.bytes;
  std::uint16_t last_type = 0;
  while (!rest.empty()) {
    std::uint32_t length = 0;
    std::memcpy(&length, rest.data(), sizeof length);
    std::memcpy(&last_type, rest.data() + 4, sizeof last_type);
    ASSERT_GE(length, rtnetlink::kMessageHeaderBytes);
    rest = rest.subspan(std::min(rtnetlink::align4(length), rest.size()));
  }
  EXPECT_EQ(last_type, rtnetlink::kDone);
}

}  // namespace
}  // namespace sysring::broker::linux_instances
