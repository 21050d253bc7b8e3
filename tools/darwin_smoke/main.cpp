// darwin_smoke: the macOS code paths in one small binary, so that the cross build links them
// (a link proves every symbol they need exists for aarch64-macos) and a Mac can run them.
//   1. the darwin registry rows through make_darwin_sources over the real sysctl(3): counts
//      what this Mac has, prints the unavailable rows with their reasons, reads one tick;
//   2. libsysring's client paths: segment-name checks and, if a broker runs, a read through the
//      C++ client and the C ABI;
//   3. the counters: the KPC backend through the platform factory and the pmc.* rows (on a Mac
//      as root it counts; otherwise it prints why not).
// Usage: darwin_smoke [SEGMENT]   (default /sysring). Exit 0 unless a check fails.
#include <cstdio>
#include <string>
#include <vector>

#include "counters/counter_sources.hpp"
#include "counters/platform_counters.hpp"
#include "darwin_sources.hpp"
#include "sysring/client.hpp"
#include "sysring/registry_data.hpp"
#include "sysring/segment_name.hpp"
#include "sysring/sysring.h"

namespace {

using namespace sysring;

int check_sources() {
  std::vector<registry::RegistryEntry> rows;
  for (const auto& e : registry::kEntries) {
    if (e.platform == "darwin") rows.push_back(e);
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
  rc |= check_counters();
  rc |= check_client(name);
  return rc;
}
