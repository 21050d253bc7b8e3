// Which segment owners a client trusts by default, and how sysringd's --user and --keep-caps
// are resolved. Real processes and capabilities are in privilege_itest.py.
#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "broker_user.hpp"
#include "privilege/privilege_drop.hpp"
#include "segment_validator.hpp"
#include "sysring/error.hpp"

namespace sysring {
namespace {

constexpr uid_t kStranger = 4242;  // assumed to have no passwd entry on a test machine
constexpr int kCapPerfmon = 38;
constexpr int kCapSysPtrace = 19;

class BrokerUserEnv : public ::testing::Test {
 protected:
  void TearDown() override { ::unsetenv("SYSRING_BROKER_USER"); }
};

struct stat segment_owned_by(uid_t uid) {
  struct stat st {};
  st.st_mode = S_IFREG | 0644;
  st.st_uid = uid;
  st.st_size = 1 << 20;
  return st;
}

std::string refusal(uid_t owner) {
  try {
    detail::check_file_policy(segment_owned_by(owner), std::nullopt);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kForeignOwner);
    return e.what();
  }
  return "";
}

TEST_F(BrokerUserEnv, LocalUsersResolveFromPasswdWithoutNss) {
  EXPECT_EQ(detail::local_user_uid("root"), uid_t{0});
  const passwd* daemon = ::getpwnam("daemon");
  ASSERT_NE(daemon, nullptr);
  EXPECT_EQ(detail::local_user_uid("daemon"), daemon->pw_uid);
  EXPECT_EQ(detail::local_user_uid("no-such-user-here"), std::nullopt);
  EXPECT_EQ(detail::local_user_uid(""), std::nullopt);
  EXPECT_EQ(detail::local_user_uid("roo"), std::nullopt) << "whole names only";
}

TEST_F(BrokerUserEnv, BuiltInNameUnlessTheEnvironmentNamesAnother) {
  EXPECT_EQ(detail::broker_user_name(), SYSRING_TEST_BROKER_USER);
  ::setenv("SYSRING_BROKER_USER", "daemon", 1);
  EXPECT_EQ(detail::broker_user_name(), "daemon");
}

TEST_F(BrokerUserEnv, RootOneselfAndTheBrokerUserAreTrusted) {
  ::setenv("SYSRING_BROKER_USER", "daemon", 1);
  EXPECT_EQ(refusal(0), "");
  EXPECT_EQ(refusal(::getuid()), "");
  EXPECT_EQ(refusal(::getpwnam("daemon")->pw_uid), "");
  const std::string why = refusal(kStranger);
  EXPECT_NE(why.find("owned by uid 4242"), std::string::npos) << why;
  EXPECT_NE(why.find("the broker user daemon (uid 1)"), std::string::npos) << why;
}

TEST_F(BrokerUserEnv, AMissingBrokerUserTrustsNobodyExtra) {
  ::setenv("SYSRING_BROKER_USER", "no-such-user-here", 1);
  EXPECT_NE(refusal(::getpwnam("daemon")->pw_uid), "");
  EXPECT_NE(refusal(kStranger).find("no-such-user-here does not exist here"), std::string::npos);
}

TEST_F(BrokerUserEnv, AnExplicitOwnerReplacesTheDefaultPolicy) {
  EXPECT_NO_THROW(detail::check_file_policy(segment_owned_by(kStranger), kStranger));
  EXPECT_THROW(detail::check_file_policy(segment_owned_by(0), kStranger), Error);
}

TEST(PrivilegeTarget, CapabilityListsAndUsers) {
  const auto target = broker::resolve_privilege_target("daemon", "cap_perfmon");
  EXPECT_EQ(target.uid, ::getpwnam("daemon")->pw_uid);
  EXPECT_EQ(target.gid, ::getpwnam("daemon")->pw_gid);
  EXPECT_EQ(target.capabilities, std::vector<int>{kCapPerfmon});
  EXPECT_EQ(broker::resolve_privilege_target("daemon", "cap_perfmon,cap_sys_ptrace,cap_perfmon")
                .capabilities,
            (std::vector<int>{kCapPerfmon, kCapSysPtrace}));
  EXPECT_TRUE(broker::resolve_privilege_target("daemon", "none").capabilities.empty());
  EXPECT_THROW(broker::resolve_privilege_target("daemon", "cap_bogus"), std::invalid_argument);
  EXPECT_THROW(broker::resolve_privilege_target("daemon", "cap_perfmon,"), std::invalid_argument);
  EXPECT_THROW(broker::resolve_privilege_target("daemon", ""), std::invalid_argument);
  EXPECT_THROW(broker::resolve_privilege_target("no-such-user-here", "none"),
               std::invalid_argument);
}

}  // namespace
}  // namespace sysring
