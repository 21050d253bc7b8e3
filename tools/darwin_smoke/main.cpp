// darwin_smoke: the macOS code paths in one small binary, so that the cross build links them
// (a link proves every symbol they need exists for aarch64-macos) and a Mac can run them.
//   1. the darwin registry rows through make_darwin_sources over the real sysctl(3): counts
//      what this Mac has, prints the unavailable rows with their reasons, reads one tick;
//   2. the instance families (cpu, netif, filesystem) through make_darwin_instance_sources over
//      host_processor_info, NET_RT_IFLIST2 and getfsstat: instances and values of one refresh;
//   3. libsysring's client paths: segment-name checks and, if a broker runs, a read through the
//      C++ client and the C ABI;
//   4. the counters: the KPC backend through the platform factory and the pmc.* rows (on a Mac
//      as root it counts; otherwise it prints why not).
// Usage: darwin_smoke [SEGMENT]   (default /sysring). Exit 0 unless a check fails.
#include <cstdio>
#include <string>
#include <vector>

#include "counters/counter_sources.hpp"
#include "counters/platform_counters.hpp"
#include "darwin_instances.hpp"
#include "darwin_sources.hpp"
#include "sysring/client.hpp"
#include "sysring/domains.hpp"
#include "sysring/registry_data.hpp"
#include "sysring/segment_name.hpp"
#include "sysring/sysring.h"

namespace {

using namespace sysring;

int check_sources() {
  std::vector<registry::RegistryEntry> rows;
  for (const auto& e : registry::kEntries) {
    if (e.platform == "darwin" && e.domain == InstanceDomain::None) rows.push_back(e);
  }
  auto sources = broker::make_darwin_sources(rows, broker::darwin::make_system_sysctl_seam());
  std::size_t available = 0, ok = 0;
  sources->begin_tick();
  for (const auto& e : rows) {
    const broker::Availability& a = sources->availability(e.id);
    if (!a.available) {
      std::printf("unavailable %s: %s\n", std::string(e.name).c_str(), a.reason.c_str());
      continue;
    }
    ++available;
    if (sources->read(e.id).status == layout::SlotStatus::kOk) ++ok;
  }
  std::printf("darwin registry: %zu rows, %zu available, %zu read ok in one tick\n", rows.size(),
              available, ok);
  return available > 0 ? 0 : 1;
}

// Counts what one refresh reports, keeping the first few instance names to print.
class CountingSink final : public broker::InstanceSink {
 public:
  std::uint32_t present(std::string_view name, std::span<const broker::LabelView>) override {
    if (names.size() < 8) names.emplace_back(name);
    return instances++;
  }
  [[nodiscard]] std::uint32_t find(std::string_view) const override { return broker::kNoRow; }
  void value(std::uint16_t, std::uint32_t, const broker::Reading& r) override {
    ++(r.status == layout::SlotStatus::kOk ? ok : failed);
  }
  [[nodiscard]] bool wants(std::uint16_t) const override { return true; }
  std::uint32_t instances = 0;
  std::size_t ok = 0, failed = 0;
  std::vector<std::string> names;
};

int check_instances() {
  std::vector<registry::RegistryEntry> rows;
  for (const auto& e : registry::kEntries) {
    if (e.platform == "darwin" && e.domain != InstanceDomain::None) rows.push_back(e);
  }
  auto sources =
      broker::make_darwin_instance_sources(rows, broker::darwin::make_system_instance_seam());
  std::uint32_t cpus = 0;
  for (const auto& source : sources) {
    const std::string domain(domain_name(source->domain()));
    std::size_t available = 0;
    for (const std::uint16_t f : source->families()) {
      const broker::Availability& a = source->availability(f);
      if (a.available) {
        ++available;
      } else {
        std::printf("unavailable %s family %u: %s\n", domain.c_str(), f, a.reason.c_str());
      }
    }
    CountingSink sink;
    source->refresh(sink);
    std::string shown;
    for (const std::string& n : sink.names) shown += (shown.empty() ? "" : " ") + n;
    if (sink.instances > sink.names.size()) shown += " ...";
    std::printf(
        "%s: %zu families (%zu available), %u instances at start; one refresh: %u (%s), "
        "%zu values ok, %zu failed\n",
        domain.c_str(), source->families().size(), available, source->instances_at_start(),
        sink.instances, shown.c_str(), sink.ok, sink.failed);
    if (source->domain() == InstanceDomain::Cpu) cpus = sink.instances;
  }
  return cpus > 0 ? 0 : 1;  // every Mac has a CPU
}

int check_counters() {
  std::vector<registry::RegistryEntry> rows;
  for (const auto& e : registry::kEntries) {
    if (e.platform == "counters") rows.push_back(e);
  }
  broker::counters::CounterSetup setup = broker::counters::make_platform_counters({});
  std::printf("counters: %s\n",
              setup.backend ? setup.backend->summary().c_str() : setup.unavailable_reason.c_str());
  auto sources = broker::counters::make_counter_sources(rows, std::move(setup)).totals;
  std::size_t available = 0, ok = 0;
  sources->begin_tick();
  for (const auto& e : rows) {
    if (e.domain != InstanceDomain::None || !sources->availability(e.id).available) continue;
    ++available;
    if (sources->read(e.id).status == layout::SlotStatus::kOk) ++ok;
  }
  std::printf("counter rows: %zu, %zu available, %zu read ok\n", rows.size(), available, ok);
  return 0;  // no counters (not root) is a finding, not a failure of the smoke test
}

int check_client(const std::string& name) {
  // The 31-character macOS limit holds on every platform (client-lib/segment_name.cpp).
  if (segment_name_problem("/" + std::string(31, 'a')).empty()) {
    std::printf("FAIL: a 32-character segment name was accepted\n");
    return 1;
  }
  try {
    OpenOptions options;
    options.name = name;
    Client client = Client::open(options);
    std::printf("client: %s holds %zu metrics\n", name.c_str(), client.descriptors().size());
  } catch (const Error& e) {
    std::printf("client: %s not readable (%s)\n", name.c_str(), e.what());
  }
  sysring_client* c = nullptr;
  char err[256] = {};
  if (sysring_open(name.c_str(), &c, err, sizeof err) == 0) {
    std::printf("C ABI: %zu metrics\n", sysring_metric_count(c));
    sysring_close(c);
  } else {
    std::printf("C ABI: %s\n", err);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : std::string(kDefaultSegmentName);
  int rc = check_sources();
  rc |= check_instances();
  rc |= check_counters();
  rc |= check_client(name);
  return rc;
}
