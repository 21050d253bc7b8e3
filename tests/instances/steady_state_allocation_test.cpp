// The cpu, disk and netif sources allocate when an instance appears, never on a refresh that
// finds the same instances again.
#include <gtest/gtest.h>

#include <memory>

#include "allocation_count.hpp"
#include "linux_fixture_tree.hpp"
#include "sources/linux/linux_instance_factories.hpp"

namespace sysring {
namespace {

using namespace broker::linux_instances;  // NOLINT(google-build-using-namespace)

// Takes every instance and value without storing anything (a recording sink would allocate).
// Rows follow the order of report, which the fixtures keep from one refresh to the next.
class CountingSink final : public broker::InstanceSink {
 public:
  std::uint32_t present(std::string_view /*name*/,
                        std::span<const broker::LabelView> /*labels*/) override {
    return instances++;
  }
  [[nodiscard]] std::uint32_t find(std::string_view /*name*/) const override {
    return broker::kNoRow;
  }
  void value(std::uint16_t /*family*/, std::uint32_t /*row*/,
             const broker::Reading& /*reading*/) override {
    ++values;
  }
  [[nodiscard]] bool wants(std::uint16_t /*family*/) const override { return true; }
  std::uint32_t instances = 0;
  std::size_t values = 0;
};

using Factory = std::unique_ptr<broker::InstanceSource> (*)(Rows, const broker::InstanceConfig&);

void expect_steady_refresh_without_allocation(const char* fixture, InstanceDomain domain,
                                              Factory factory) {
  if (!test::kCountsAllocations) GTEST_SKIP() << "allocations are not counted in this build";
  const test::FixtureTree tree(fixture);
  const auto rows = test::linux_rows(domain);
  auto source = factory(rows, tree.config());
  std::size_t appearing = 0;
  {
    test::AllocationCount counter;  // instances appear: names kept, files opened, buffers sized
    CountingSink first;
    source->refresh(first);
    appearing = counter.count();
  }
  EXPECT_GT(appearing, 0U) << fixture << ": the counter sees the first refresh's allocations";
  CountingSink second;
  source->refresh(second);
  CountingSink steady;
  std::size_t allocations = 0;
  {
    test::AllocationCount counter;
    source->refresh(steady);
    allocations = counter.count();
  }
  EXPECT_GT(steady.instances, 0U) << fixture;
  EXPECT_GT(steady.values, 0U) << fixture;
  EXPECT_EQ(allocations, 0U) << fixture;
}

TEST(SteadyStateAllocation, CpuRefreshDoesNotAllocate) {
  expect_steady_refresh_without_allocation("cpu_two", InstanceDomain::Cpu, &make_cpu_instances);
}

TEST(SteadyStateAllocation, DiskRefreshDoesNotAllocate) {
  expect_steady_refresh_without_allocation("disk_mixed", InstanceDomain::Disk,
                                           &make_disk_instances);
}

TEST(SteadyStateAllocation, NetifRefreshDoesNotAllocate) {
  expect_steady_refresh_without_allocation("netif_three", InstanceDomain::Netif,
                                           &make_netif_instances);
}

}  // namespace
}  // namespace sysring
