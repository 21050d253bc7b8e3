// Counters: what reading one CPU's counters costs through libsysring, against the read() of a
// perf_event group fd that a privileged process would do itself, in the same run.
//
// Set-up (once, on first use): what sysringd does, with the real perf_event backend (hardware
// events where there is a PMU, the software fallback otherwise) and the cpu domain's instances,
// one tick, then a read-only Client and a handle per counted family of instance cpu0. The baseline
// opens its own group of the same events on CPU 0 (system-wide, pid -1, PERF_FORMAT_GROUP |
// TOTAL_TIME_ENABLED | TOTAL_TIME_RUNNING) and reads it with one read(). Both need root or
// CAP_PERFMON; without it the benchmarks say so and skip.
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "broker_options.hpp"
#include "counters/perf/perf_counters.hpp"
#include "counters/perf/perf_event_spec.hpp"
#include "instances/capacity_plan.hpp"
#include "platform_sources.hpp"
#include "segment/descriptor_builder.hpp"
#include "segment/segment_writer.hpp"
#include "segment/value_layout.hpp"
#include "sysring/client.hpp"
#include "sysring/counter_sample.hpp"
#include "sysring/registry_data.hpp"
#include "tick_loop.hpp"

namespace {

using namespace sysring;

struct CounterEnv {
  std::string error;  // set when the set-up could not count
  broker::PlatformSources sources;
  std::unique_ptr<broker::SegmentWriter> segment;
  std::unique_ptr<Client> client;
  std::vector<InstanceHandle> cpu0;  // pmc.* of the counted events, instance cpu0
  std::vector<std::string> event_names;
  std::vector<int> group_fds;  // the baseline's own group on CPU 0
  ~CounterEnv() {
    for (const int fd : group_fds) ::close(fd);
    if (segment) segment->close();
  }
};

void open_baseline_group(CounterEnv& env) {
  const broker::counters::perf::ResolvedEvents resolved =
      broker::counters::perf::resolve_perf_events(env.event_names);
  if (!resolved.error.empty()) {
    env.error = resolved.error;
    return;
  }
  int leader = -1;
  for (const auto& spec : resolved.events) {
    perf_event_attr attr = broker::counters::perf::make_perf_attr(spec, leader < 0);
    const long fd = ::syscall(SYS_perf_event_open, &attr, -1, 0, leader, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
      env.error = "baseline perf_event_open failed for " + spec.name;
      return;
    }
    env.group_fds.push_back(static_cast<int>(fd));
    if (leader < 0) leader = static_cast<int>(fd);
  }
  ::ioctl(leader, PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

std::unique_ptr<CounterEnv> make_env() {
  auto env = std::make_unique<CounterEnv>();
  CounterEnv& out = *env;
  {
    broker::BrokerOptions options;
    out.sources = broker::make_platform_sources(options);
    if (!out.sources.counters_available) {
      out.error = out.sources.counters_summary;
      return env;
    }
    const std::vector<registry::RegistryEntry> rows = broker::published_entries();
    const broker::DomainCapacities capacities = broker::plan_capacities(out.sources.instances, 100);
    const broker::ValueLayout layout(rows, capacities);
    std::vector<const registry::RegistryEntry*> by_id(registry::kMaxMetricId + 1u, nullptr);
    for (const auto& r : rows) by_id[r.id] = &r;
    const std::vector<std::uint8_t> descriptors = broker::build_descriptor_table(
        rows, layout, broker::kPlatform, registry::kSchemaHash,
        [&](std::uint16_t id) -> const broker::Availability& {
          return out.sources.availability(*by_id[id]);
        },
        {}, out.sources.counters_summary);
    broker::SegmentConfig config;
    config.name = "/srbench_pmc" + std::to_string(::getpid());
    config.value_words = layout.words();
    config.directory_bytes = broker::plan_directory_bytes(capacities);
    config.ring_slot_count = 16;
    config.ring_slot_size = 4096;
    config.tick_period_ns = 1'000'000'000;
    config.schema_hash = registry::kSchemaHash;
    config.descriptors = descriptors;  // a view: the bytes must outlive create()
    out.segment = std::make_unique<broker::SegmentWriter>(broker::SegmentWriter::create(config));
    const std::vector<broker::InstanceSource*> instance_sources =
        out.sources.instances.in_refresh_order();
    broker::TickLoop loop(*out.segment, layout, *out.sources.scalars, instance_sources, rows);
    loop.tick(1);
    out.segment->go_live();
    OpenOptions o;
    o.name = config.name;
    out.client = std::make_unique<Client>(Client::open(o));
    for (const Descriptor& d : out.client->descriptors()) {
      if (!d.available || d.domain != InstanceDomain::Cpu || !d.name.starts_with("pmc.")) continue;
      if (const auto h = out.client->bind(d.id, "cpu0")) {
        out.cpu0.push_back(*h);
        out.event_names.push_back(d.detail.substr(0, d.detail.find(':')));
      }
    }
    open_baseline_group(out);
  }
  return env;
}

CounterEnv& env() {
  static const std::unique_ptr<CounterEnv> e = [] {
    try {
      return make_env();
    } catch (const std::exception& ex) {
      auto failed = std::make_unique<CounterEnv>();
      failed->error = std::string("set-up failed: ") + ex.what();
      return failed;
    }
  }();
  return *e;
}

// One CPU's counters through libsysring: one latch read of five words per event (registration,
// read time, count, enabled, running) through a handle bound once.
void BM_CounterGroupLibrary(benchmark::State& state) {
  CounterEnv& e = env();
  if (!e.client) {
    state.SkipWithError(e.error.c_str());
    return;
  }
  const Client& client = *e.client;
  std::array<CounterTotals, broker::counters::kMaxEventsPerCpu> out{};
  for (auto _ : state) {
    for (std::size_t i = 0; i < e.cpu0.size(); ++i) {
      benchmark::DoNotOptimize(client.read_counter(e.cpu0[i], out[i]));
    }
    benchmark::DoNotOptimize(out);
  }
  state.counters["events"] = static_cast<double>(e.cpu0.size());
}
BENCHMARK(BM_CounterGroupLibrary);

// The same events on CPU 0 read by a privileged process itself: one read() of its group fd.
void BM_CounterGroupPerfRead(benchmark::State& state) {
  CounterEnv& e = env();
  if (e.group_fds.empty()) {
    state.SkipWithError(e.error.empty() ? "no baseline group" : e.error.c_str());
    return;
  }
  std::array<std::uint64_t, 3 + broker::counters::kMaxEventsPerCpu> buf{};
  for (auto _ : state) {
    benchmark::DoNotOptimize(::read(e.group_fds.front(), buf.data(), sizeof buf));
    benchmark::DoNotOptimize(buf);
  }
  state.counters["events"] = static_cast<double>(e.group_fds.size());
}
BENCHMARK(BM_CounterGroupPerfRead);

// A whole CounterSample of CPU 0 (finds its families, checks they share one broker read).
void BM_CounterSampleTake(benchmark::State& state) {
  CounterEnv& e = env();
  if (!e.client) {
    state.SkipWithError(e.error.c_str());
    return;
  }
  for (auto _ : state) {
    CounterSample s = CounterSample::take(*e.client, "cpu0");
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(BM_CounterSampleTake);

}  // namespace
