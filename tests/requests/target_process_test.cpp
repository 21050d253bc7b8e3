// The target checks (broker/requests/target_process.cpp) over fixture /proc trees: ptrace's read
// rule on all four uids and gids, dumpability through the entry's owner, gone and zombie targets.
#include "requests/target_process.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "request_test_support.hpp"

namespace sysring::broker::requests {
namespace {

using test::FixtureProc;

class TargetProcessTest : public ::testing::Test {
 protected:
  uid_t me = ::geteuid();  // the fixture's entries belong to whoever runs the test
  FixtureProc proc;
};

TEST_F(TargetProcessTest, SameUidPasses) {
  proc.add(42, {me, me, me, me}, {100, 100, 100, 100}, 777);
  const TargetRead r = read_target_process(proc.root(), 42);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.target.start_ticks, 777u);
  EXPECT_EQ(r.target.uids[3], me);
  EXPECT_EQ(r.target.gids[0], 100u);
  EXPECT_EQ(r.target.entry_owner, me);
  EXPECT_EQ(ownership_problem(r.target, me, 100), "");
}

TEST_F(TargetProcessTest, AnotherUidInAnyFieldIsRefused) {
  const char* names[] = {"real", "effective", "saved", "filesystem"};
  for (int field = 0; field < 4; ++field) {
    std::array<unsigned, 4> uids{me, me, me, me};
    uids[field] = me + 1;
    proc.add(50 + field, uids, {100, 100, 100, 100});
    const TargetRead r = read_target_process(proc.root(), 50 + field);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(ownership_problem(r.target, me, 100),
              "pid " + std::to_string(50 + field) + " is not yours: its " + names[field] +
                  " uid is " + std::to_string(me + 1) + ", yours " + std::to_string(me));
  }
}

TEST_F(TargetProcessTest, AnotherGidInAnyFieldIsRefused) {
  const char* names[] = {"real", "effective", "saved", "filesystem"};
  for (int field = 0; field < 4; ++field) {
    std::array<unsigned, 4> gids{100, 100, 100, 100};
    gids[field] = 0;
    proc.add(60 + field, {me, me, me, me}, gids);
    const TargetRead r = read_target_process(proc.root(), 60 + field);
    ASSERT_TRUE(r.ok) << r.error;
    EXPECT_EQ(ownership_problem(r.target, me, 100), "pid " + std::to_string(60 + field) +
                                                        " is not yours: its " + names[field] +
                                                        " gid is 0, yours 100");
  }
}

TEST_F(TargetProcessTest, NotDumpableIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "chown of the fixture entry needs root";
  const uid_t user = 4242;
  proc.add(70, {user, user, user, user}, {4242, 4242, 4242, 4242});
  ASSERT_TRUE(proc.chown_entry(70, user));
  TargetRead r = read_target_process(proc.root(), 70);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(ownership_problem(r.target, user, 4242), "");
  ASSERT_TRUE(proc.chown_entry(70, 0));  // what the kernel shows for a non-dumpable process
  r = read_target_process(proc.root(), 70);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(ownership_problem(r.target, user, 4242),
            "pid 70 is not dumpable (a setuid or set-non-dumpable program): its /proc entry "
            "belongs to uid 0");
}

TEST_F(TargetProcessTest, GoneIsRefused) {
  TargetRead r = read_target_process(proc.root(), 99);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "pid 99: no such process");
  proc.add(98, {me, me, me, me}, {0, 0, 0, 0}, 5, 'Z');
  r = read_target_process(proc.root(), 98);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "pid 98: no such process (it has exited)");
  EXPECT_FALSE(target_start_ticks(proc.root(), 98).has_value());
  EXPECT_FALSE(target_start_ticks(proc.root(), 99).has_value());
}

TEST_F(TargetProcessTest, StartTicks) {
  proc.add(80, {me, me, me, me}, {0, 0, 0, 0}, 31337);
  EXPECT_EQ(target_start_ticks(proc.root(), 80), 31337u);
  proc.remove(80);
  EXPECT_FALSE(target_start_ticks(proc.root(), 80).has_value());
}

TEST_F(TargetProcessTest, TheRealProcOfThisProcess) {
  const TargetRead r = read_target_process("/proc", ::getpid());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(ownership_problem(r.target, ::getuid(), ::getgid()), "");
  EXPECT_EQ(target_start_ticks("/proc", ::getpid()), r.target.start_ticks);
  if (::getuid() != 0) {
    const TargetRead init = read_target_process("/proc", 1);
    if (init.ok) EXPECT_NE(ownership_problem(init.target, ::getuid(), ::getgid()), "");
  }
}

}  // namespace
}  // namespace sysring::broker::requests
