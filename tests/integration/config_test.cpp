// sysringd --config (docs/CONFIG.md) end to end: the real broker with a good config publishes
// the effective schedule (and `sysring list` shows it); a bad one stops it before it creates a
// segment, with one line on stderr and a non-zero exit.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "process_util.hpp"
#include "sysring/client.hpp"

namespace sysring {
namespace {

using namespace itest;

// A config file in /tmp, removed at scope exit.
class TempConfig {
 public:
  explicit TempConfig(const std::string& text) {
    char path[] = "/tmp/sysringd-conf-XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    ::close(fd);
    path_ = path;
    std::ofstream(path_) << text;
  }
  TempConfig(const TempConfig&) = delete;
  TempConfig& operator=(const TempConfig&) = delete;
  ~TempConfig() { ::unlink(path_.c_str()); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A day is at least every registry TTL, so the category override stays valid as the registry
// grows.
constexpr const char* kGoodConfig =
    "# test config\n"
    "[metric.mem.free]\n"
    "ttl_ms = 5000\n"
    "[category.vm.paging]\n"
    "ttl_ms = 86400000\n"
    "[metric.mem.cached]\n"
    "pattern = static\n";

const Descriptor* find(const Client& client, std::string_view name) {
  for (const Descriptor& d : client.descriptors()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

TEST(BrokerConfig, GoodConfigIsPublishedAsTheEffectiveSchedule) {
  const TempConfig config(kGoodConfig);
  Broker broker(unique_segment(), 100, {"--config", config.path()});
  const auto client = broker.wait_ready();
  ASSERT_TRUE(client) << broker.last_error() << "; stderr: " << broker.process().err();

  const Descriptor* free = find(*client, "mem.free");
  ASSERT_NE(free, nullptr);
  EXPECT_EQ(free->ttl_ms, 1000u);
  EXPECT_EQ(free->effective_pattern, AccessPattern::Polled);
  EXPECT_EQ(free->effective_ttl_ms, 5000u);
  const Descriptor* cached = find(*client, "mem.cached");
  ASSERT_NE(cached, nullptr);
  EXPECT_EQ(cached->effective_pattern, AccessPattern::Static);
  EXPECT_EQ(cached->effective_ttl_ms, 0u);
  for (const Descriptor& d : client->descriptors()) {
    if (d.category == "vm.paging" && d.effective_pattern == AccessPattern::Polled) {
      EXPECT_EQ(d.effective_ttl_ms, 86'400'000u) << d.name;
    } else if (d.category != "vm.paging" && d.name != "mem.free" && d.name != "mem.cached") {
      EXPECT_EQ(d.effective_pattern, d.recommended_pattern) << d.name << " is not overridden";
    }
  }

#ifdef SYSRING_CLI_PATH
  const RunResult list = run({SYSRING_CLI_PATH, "--segment", broker.segment(), "list"});
  ASSERT_TRUE(list.exited(0)) << list.describe();
  EXPECT_NE(list.out.find("EFFECTIVE"), std::string::npos) << list.out;
  bool row_seen = false;
  for (const std::string& line : lines_of(list.out)) {
    if (line.find(" mem.free ") == std::string::npos) continue;
    row_seen = true;
    EXPECT_NE(line.find(" 1s "), std::string::npos) << line;  // the registry TTL
    EXPECT_NE(line.find(" 5s "), std::string::npos) << line;  // the effective one
  }
  EXPECT_TRUE(row_seen) << list.out;

  const RunResult json = run({SYSRING_CLI_PATH, "--segment", broker.segment(), "--json", "list"});
  ASSERT_TRUE(json.exited(0)) << json.describe();
  EXPECT_NE(json.out.find("\"name\":\"mem.free\""), std::string::npos) << json.out;
  const std::size_t at = json.out.find("\"name\":\"mem.free\"");
  const std::size_t end = json.out.find('}', at);
  const std::string object = json.out.substr(at, end - at);
  EXPECT_NE(object.find("\"effective_pattern\":\"polled\""), std::string::npos) << object;
  EXPECT_NE(object.find("\"effective_ttl_ms\":5000"), std::string::npos) << object;

  // Values carry their age: a column in text, age_s in JSON.
  const RunResult get = run({SYSRING_CLI_PATH, "--segment", broker.segment(), "get", "mem.free"});
  ASSERT_TRUE(get.exited(0)) << get.describe();
  EXPECT_NE(get.out.find("AGE"), std::string::npos) << get.out;
  const RunResult all = run({SYSRING_CLI_PATH, "--segment", broker.segment(), "--json", "all"});
  ASSERT_TRUE(all.exited(0)) << all.describe();
  EXPECT_NE(all.out.find("\"age_s\":"), std::string::npos) << all.out.substr(0, 400);
#endif
}

TEST(BrokerConfig, ExampleConfigFileIsAccepted) {
  Broker broker(unique_segment(), 100,
                {"--config", std::string(SYSRING_SOURCE_DIR) + "/docs/sysringd.conf.example"});
  ASSERT_TRUE(broker.wait_ready()) << broker.last_error() << "; stderr: " << broker.process().err();
}

struct BadCase {
  const char* text;
  const char* expect;  // must appear in the one line
};

TEST(BrokerConfig, BadConfigRefusesToStartWithOneLine) {
  const std::vector<BadCase> cases = {
      {"[metric.mem.total]\npattern = polled\n", "[metric.mem.total]: pattern POLLED would read"},
      {"[metric.mem.free]\nttl_ms = 10\n", "[metric.mem.free]: ttl_ms 10 is shorter"},
      {"[metric.no.such.metric]\nttl_ms = 5000\n", "no metric named 'no.such.metric'"},
      {"[category.no.such]\nttl_ms = 5000\n", "no category named 'no.such'"},
      {"[metric.mem.free]\nperiod = 5000\n", "unknown key 'period'"},
      {"[metric.mem.free]\nttl_ms = soon\n", "ttl_ms must be whole milliseconds"},
  };
  for (const BadCase& c : cases) {
    const TempConfig config(c.text);
    const std::string segment = unique_segment();
    for (const bool foreground : {true, false}) {
      std::vector<std::string> argv{SYSRINGD_PATH, "--segment", segment, "--config", config.path()};
      if (foreground) argv.emplace_back("--foreground");
      const RunResult r = run(argv);
      EXPECT_TRUE(r.failed_cleanly()) << c.text << r.describe();
      EXPECT_TRUE(one_line(r.err)) << c.text;
      EXPECT_NE(r.err.find(config.path()), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(c.expect), std::string::npos) << r.err;
      EXPECT_FALSE(shm_exists(segment)) << "no segment for a refused config";
      ::shm_unlink(segment.c_str());
    }
  }
}

TEST(BrokerConfig, MissingConfigFileIsOneLine) {
  const RunResult r = run({SYSRINGD_PATH, "--foreground", "--segment", unique_segment(), "--config",
                           "/nonexistent/sysringd.conf"});
  EXPECT_TRUE(r.failed_cleanly()) << r.describe();
  EXPECT_TRUE(one_line(r.err));
  EXPECT_NE(r.err.find("/nonexistent/sysringd.conf: cannot open"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace sysring
