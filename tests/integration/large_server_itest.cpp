// The real sysringd over a generated large server (scripts/large_server_fixture.py: 256 CPUs,
// 64 disks, 32 interfaces, 100 mounts, 8 NUMA nodes, 100 cgroups) at default ring settings:
// every instance is published with values, none is left unpublished, and the segment stays
// within the 4 MiB budget. The CPU cost of refreshing it is a benchmark (BM_LargeServerTick),
// not a test.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "process_util.hpp"
#include "sysring/client.hpp"

namespace sysring {
namespace {

using namespace itest;

constexpr std::uint64_t kSegmentBudgetBytes = 4ULL << 20;

struct Expected {
  InstanceDomain domain;
  std::size_t live;
  MetricId family;  // read across every instance: all of them must have a value
};

// The fixture's sizes (the script's defaults).
const std::vector<Expected> kExpected = {
    {InstanceDomain::Cpu, 256, MetricId::cpu_time_user},
    {InstanceDomain::Disk, 64, MetricId::disk_read_bytes},
    {InstanceDomain::Netif, 32, MetricId::netif_rx_bytes},
    {InstanceDomain::Filesystem, 100, MetricId::fs_size_bytes},
    {InstanceDomain::Numa, 8, MetricId::numa_mem_total},
    {InstanceDomain::Cgroup, 100, MetricId::cgroup_cpu_usage_us},
};

class LargeServer : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sysring-large-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    root_ = dir;
    const RunResult gen =
        run({PYTHON3_PATH, std::string(SYSRING_SOURCE_DIR) + "/scripts/large_server_fixture.py",
             root_.string()},
            60s);
    ASSERT_TRUE(gen.exited(0)) << gen.err;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }

  std::filesystem::path root_;
};

std::size_t shm_size(const std::string& name) {
  const int fd = ::shm_open(name.c_str(), O_RDONLY, 0);
  if (fd < 0) return 0;
  struct stat st {};
  const int rc = ::fstat(fd, &st);
  ::close(fd);
  return rc == 0 ? static_cast<std::size_t>(st.st_size) : 0;
}

TEST_F(LargeServer, EveryInstanceIsServedWithinTheSegmentBudget) {
  Broker broker(unique_segment(), 1000,
                {"--proc-root", (root_ / "proc").string(), "--sys-root", (root_ / "sys").string(),
                 "--config", (root_ / "sysringd.conf").string(), "--no-counters"});
  auto client = broker.wait_ready(20s);
  ASSERT_TRUE(client) << broker.last_error() << "; stderr: " << broker.process().err();

  // Every instance live, and every value of one family per domain read (filesystems wait for
  // the first round of statfs calls).
  std::string missing;
  const bool served = wait_until(
      [&] {
        missing.clear();
        const auto dir = client->instances();
        for (const Expected& e : kExpected) {
          const std::size_t live = dir->live(e.domain).size();
          if (live != e.live) {
            missing += std::string(domain_name(e.domain)) + ": " + std::to_string(live) +
                       " live of " + std::to_string(e.live) + "; ";
            continue;
          }
          const FamilyValues values = client->read_family(e.family);
          std::size_t ok = 0;
          for (const InstanceValue& v : values.values) ok += v.status == ReadStatus::kOk ? 1 : 0;
          if (ok != e.live) {
            missing += std::string(domain_name(e.domain)) + ": " + std::to_string(ok) +
                       " values of " + std::to_string(e.live) + "; ";
          }
        }
        return missing.empty();
      },
      30s, 200ms);
  EXPECT_TRUE(served) << missing << "stderr: " << broker.process().err();
  EXPECT_EQ(client->info().instances_unpublished, 0U);

  const std::size_t bytes = shm_size(broker.segment());
  EXPECT_GT(bytes, 0U);
  EXPECT_LE(bytes, kSegmentBudgetBytes) << "segment of the large server at default settings";
  RecordProperty("segment_bytes", std::to_string(bytes));
  std::printf("large server: segment %zu bytes\n", bytes);
}

}  // namespace
}  // namespace sysring
