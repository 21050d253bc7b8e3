// The [requests] section (broker/requests/request_policy.cpp): every key, and every error one
// line naming the file and the section.
#include "requests/request_policy.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "scheduler/schedule_config.hpp"

namespace sysring::broker::requests {
namespace {

using Keys = std::map<std::string, std::string, std::less<>>;

class RequestPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("requests-policy-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "group") << "root:x:0:\nperf:x:1234:alice,bob\nother:x:99:\n";
    std::ofstream(dir_ / "passwd") << "root:x:0:0::/root:/bin/sh\n"
                                      "alice:x:1000:1000::/home/alice:/bin/sh\n"
                                      "carol:x:1002:1234::/home/carol:/bin/sh\n"
                                      "dave:x:1003:1003::/home/dave:/bin/sh\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  RequestPolicy parse(const Keys& keys) {
    return parse_request_policy(&keys, "test.conf", (dir_ / "group").string());
  }
  std::string error_of(const Keys& keys) {
    try {
      (void)parse(keys);
    } catch (const ScheduleConfigError& e) {
      return e.what();
    }
    return "";
  }
  bool allowed(const RequestPolicy& p, uid_t uid, gid_t gid) {
    return caller_allowed(p, uid, gid, (dir_ / "passwd").string(), (dir_ / "group").string());
  }

  std::filesystem::path dir_;
};

TEST_F(RequestPolicyTest, Defaults) {
  const RequestPolicy p = parse_request_policy(nullptr, "test.conf");
  EXPECT_TRUE(p.enabled);
  EXPECT_EQ(p.allow, Allow::kAll);
  EXPECT_TRUE(p.all_events);
  EXPECT_FALSE(p.kernel);
  EXPECT_EQ(p.max_per_uid, 64u);
  EXPECT_EQ(p.max_total, 1024u);
  EXPECT_EQ(describe_policy(p), "allow all, user mode only, 64 per uid");
  EXPECT_EQ(describe_policy(parse({})), "allow all, user mode only, 64 per uid");
}

TEST_F(RequestPolicyTest, EveryKey) {
  const RequestPolicy p = parse({{"enabled", "no"},
                                 {"allow", "group perf"},
                                 {"events", "task-clock, cs"},
                                 {"kernel", "yes"},
                                 {"max_per_uid", "8"},
                                 {"max_total", "100"}});
  EXPECT_FALSE(p.enabled);
  EXPECT_EQ(p.allow, Allow::kGroup);
  EXPECT_EQ(p.group_name, "perf");
  EXPECT_EQ(p.group, 1234u);
  EXPECT_FALSE(p.all_events);
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_TRUE(p.kernel);
  EXPECT_EQ(p.max_per_uid, 8u);
  EXPECT_EQ(p.max_total, 100u);
  EXPECT_EQ(describe_policy(p), "allow group perf, 2 events, kernel mode allowed, 8 per uid");
  EXPECT_EQ(parse({{"allow", "none"}}).allow, Allow::kNone);
  EXPECT_EQ(parse({{"allow", "all"}}).allow, Allow::kAll);
  EXPECT_TRUE(parse({{"events", "all"}}).all_events);
  EXPECT_EQ(parse({{"max_per_uid", "65536"}, {"max_total", "1048576"}}).max_total, 1048576u);
}

TEST_F(RequestPolicyTest, EventsAfterAliasFolding) {
  const RequestPolicy p = parse({{"events", "cs,task-clock"}});
  counters::perf::PerfEventSpec spec;
  std::string error;
  ASSERT_TRUE(counters::perf::resolve_perf_event("context-switches", spec, error)) << error;
  EXPECT_TRUE(event_allowed(p, spec));
  ASSERT_TRUE(counters::perf::resolve_perf_event("page-faults", spec, error)) << error;
  EXPECT_FALSE(event_allowed(p, spec));
  EXPECT_TRUE(event_allowed(parse({}), spec));
}

TEST_F(RequestPolicyTest, Errors) {
  EXPECT_EQ(error_of({{"enabled", "maybe"}}),
            "test.conf: [requests]: enabled must be yes or no, not 'maybe'");
  EXPECT_EQ(error_of({{"kernel", "1"}}),
            "test.conf: [requests]: kernel must be yes or no, not '1'");
  EXPECT_EQ(error_of({{"allow", "everyone"}}),
            "test.conf: [requests]: allow must be all, none or group NAME, not 'everyone'");
  EXPECT_EQ(error_of({{"allow", "group"}}),
            "test.conf: [requests]: allow must be all, none or group NAME, not 'group'");
  EXPECT_EQ(
      error_of({{"allow", "group nosuch"}}),
      "test.conf: [requests]: allow: no group named 'nosuch' in " + (dir_ / "group").string());
  EXPECT_EQ(error_of({{"events", "cycles,,cs"}}),
            "test.conf: [requests]: events: empty event name in 'cycles,,cs'");
  EXPECT_TRUE(error_of({{"events", "no-such-event-xyz"}})
                  .starts_with("test.conf: [requests]: events: unknown counter event "
                               "\"no-such-event-xyz\""));
  EXPECT_EQ(error_of({{"max_per_uid", "0"}}),
            "test.conf: [requests]: max_per_uid must be a whole number from 1 to 65536, not '0'");
  EXPECT_EQ(error_of({{"max_per_uid", "65537"}}),
            "test.conf: [requests]: max_per_uid must be a whole number from 1 to 65536, not "
            "'65537'");
  EXPECT_EQ(error_of({{"max_total", "many"}}),
            "test.conf: [requests]: max_total must be a whole number from 1 to 1048576, not "
            "'many'");
  EXPECT_EQ(error_of({{"colour", "blue"}}),
            "test.conf: [requests]: unknown key 'colour' (known: enabled, allow, events, kernel, "
            "max_per_uid, max_total)");
  for (const Keys& keys :
       {Keys{{"enabled", "x"}}, Keys{{"allow", "x"}}, Keys{{"max_total", "0"}}}) {
    EXPECT_EQ(error_of(keys).find('\n'), std::string::npos);
  }
}

TEST_F(RequestPolicyTest, TheConfigFileKnowsTheSection) {
  std::istringstream in("[requests]\nallow = none\nkernel = yes\n");
  const ScheduleOverrides o = parse_schedule_config(in, "test.conf");
  ASSERT_TRUE(o.requests.has_value());
  EXPECT_EQ(o.requests->at("allow"), "none");
  const RequestPolicy p = parse_request_policy(&*o.requests, o.file);
  EXPECT_EQ(p.allow, Allow::kNone);
  EXPECT_TRUE(p.kernel);
  std::istringstream nested("[requests]\nallow = all\n[requests.x]\nkernel = yes\n");
  EXPECT_THROW((void)parse_schedule_config(nested, "test.conf"), ScheduleConfigError);
}

TEST_F(RequestPolicyTest, WhoMayAsk) {
  EXPECT_TRUE(allowed(parse({}), 1003, 1003));
  EXPECT_FALSE(allowed(parse({{"allow", "none"}}), 0, 0));
  const RequestPolicy group = parse({{"allow", "group perf"}});
  EXPECT_TRUE(allowed(group, 1000, 1000));   // alice: a listed member
  EXPECT_TRUE(allowed(group, 1002, 1234));   // carol: perf is her primary group
  EXPECT_FALSE(allowed(group, 1003, 1003));  // dave: neither
  EXPECT_FALSE(allowed(group, 4242, 4242));  // no such user
}

}  // namespace
}  // namespace sysring::broker::requests
