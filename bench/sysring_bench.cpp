// sysring_bench: what a read costs through libsysring, against the floor it cannot beat and the
// procfs reads it replaces. Everything runs in one process and one run, so the ratios that
// bench/report.py checks come from medians taken under the same machine conditions.
//
// Set-up (once, in main, before any benchmark): exactly what sysringd does, then what a client
// does. The platform's sources are bound over the real /proc and /sys (scalars and every
// instance domain; counters off, they have a benchmark of their own), the domains are sized, the
// value table laid out, the descriptor table built, a fresh segment created under a unique name
// (SegmentWriter::create), one TickLoop tick fills every cell and publishes the first snapshot,
// the segment goes LIVE, and Client::open maps it read-only (O_RDONLY, PROT_READ) and validates
// it. A second, separate shm object holds the "floor" words; it too is mapped read-only
// (MAP_SHARED, PROT_READ) the way a client maps.
//
// Nothing is optimised away: each hot loop hands its results to benchmark::DoNotOptimize (an
// asm barrier that also clobbers memory, so shared-memory words and the Client's fields are
// loaded again every iteration, as they would be for a real caller).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "broker_options.hpp"
#include "instances/capacity_plan.hpp"
#include "instances/instance_config.hpp"
#include "platform_sources.hpp"
#include "scheduler/monotonic_chain.hpp"
#include "segment/delta_encoder.hpp"
#include "segment/descriptor_builder.hpp"
#include "segment/segment_writer.hpp"
#include "segment/value_layout.hpp"
#include "sources/metric_sources.hpp"
#include "sources/procfs_file.hpp"
#include "sources/source_spec.hpp"
#include "sysring/client.hpp"
#include "sysring/layout.hpp"
#include "sysring/registry_data.hpp"
#include "sysring/ring_follower.hpp"
#include "sysring/seqlock.hpp"
#include "tick_loop.hpp"

namespace {

using namespace sysring;
using broker::SegmentWriter;
using broker::TickLoop;

constexpr std::uint64_t kDayNs = 86'400ULL * 1'000'000'000ULL;
constexpr std::uint32_t kRingSlots = 2048;      // pre-published per refill in BM_RingFollow
constexpr std::uint32_t kRingSlotBytes = 2048;  // the broker's default slot size
constexpr std::size_t kDeltasPerBatch = 20;     // a typical tick's changes
constexpr const char* kProcSysFile = "/proc/sys/kernel/pid_max";
constexpr const char* kMeminfo = "/proc/meminfo";

std::uint64_t monotonic_now() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// A separate POSIX shm object, written once through a private read-write mapping and then
// mapped MAP_SHARED + PROT_READ only, like a client maps the segment. Page 0 holds a floor
// seqlock slot (seq, word); page 1 on holds the words BM_BareCopyAllWords copies.
class FloorMapping {
 public:
  static constexpr std::size_t kBytes = 512 * 1024;
  static constexpr std::size_t kCopyOffset = 4096;
  static constexpr std::size_t kCopyWords = (kBytes - kCopyOffset) / 8;

  FloorMapping() : name_("/sysring-bf-" + std::to_string(::getpid())) {
    ::shm_unlink(name_.c_str());  // a leftover of an earlier run killed with our pid
    const int wfd = ::shm_open(name_.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
    if (wfd < 0) fail("shm_open " + name_);
    if (::ftruncate(wfd, kBytes) != 0) fail("ftruncate " + name_);
    void* w = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_SHARED, wfd, 0);
    ::close(wfd);
    if (w == MAP_FAILED) fail("mmap (writer) " + name_);
    auto* slot = static_cast<layout::Word*>(w);
    slot[0].store(0, std::memory_order_relaxed);  // seq: even, no write in progress
    slot[1].store(42, std::memory_order_relaxed);
    auto* words = reinterpret_cast<std::uint64_t*>(static_cast<std::uint8_t*>(w) + kCopyOffset);
    for (std::size_t i = 0; i < kCopyWords; ++i) words[i] = i * 0x9E3779B97F4A7C15ULL;
    ::munmap(w, kBytes);

    const int rfd = ::shm_open(name_.c_str(), O_RDONLY | O_CLOEXEC, 0);
    if (rfd < 0) fail("shm_open (reader) " + name_);
    void* r = ::mmap(nullptr, kBytes, PROT_READ, MAP_SHARED, rfd, 0);
    ::close(rfd);
    if (r == MAP_FAILED) fail("mmap (reader) " + name_);
    base_ = static_cast<const std::uint8_t*>(r);
  }
  ~FloorMapping() {
    ::munmap(const_cast<std::uint8_t*>(base_), kBytes);
    ::shm_unlink(name_.c_str());
  }
  FloorMapping(const FloorMapping&) = delete;
  FloorMapping& operator=(const FloorMapping&) = delete;

  [[nodiscard]] const layout::Word* slot() const {
    return reinterpret_cast<const layout::Word*>(base_);
  }
  [[nodiscard]] const std::uint64_t* copy_words() const {
    return reinterpret_cast<const std::uint64_t*>(base_ + kCopyOffset);
  }

 private:
  std::string name_;
  const std::uint8_t* base_ = nullptr;
};

// The broker and a client of it, in one process.
struct Env {
  std::vector<registry::RegistryEntry> entries;
  broker::PlatformSources sources;
  std::unique_ptr<broker::ValueLayout> layout;
  std::vector<std::uint8_t> descriptor_table;
  std::unique_ptr<SegmentWriter> segment;
  std::vector<broker::InstanceSource*> instance_sources;
  std::unique_ptr<TickLoop> loop;
  // A second broker over the same sources whose CONSTRAINED rows (writable tunables, read every
  // 10 s to a few minutes) are read once, as STATIC: a day's jump then re-reads every POLLED
  // source, scalar or instance, and nothing else.
  std::unique_ptr<SegmentWriter> polled_segment;
  std::unique_ptr<TickLoop> polled_loop;
  std::size_t polled_only_reads = 0;
  std::uint64_t fake_now = 0;  // the broker's clock for BM_BrokerTick*: only moves forward
  std::size_t polled_scalars = 0;
  std::size_t polled_sources = 0;       // instance sources with a periodic family
  std::vector<std::string> tick_files;  // what a full tick re-reads for scalars: "/proc/meminfo"
  std::unique_ptr<Client> client;
  FloorMapping floor;
  std::size_t value_words = 0;

  std::vector<std::uint8_t> batch;  // one encoded DeltaBatch of kDeltasPerBatch scalars

  explicit Env(broker::BrokerOptions options, std::string_view tag = "") {
    options.counters = false;
    entries = broker::published_entries();
    sources = broker::make_platform_sources(options);
    const broker::DomainCapacities capacities =
        broker::plan_capacities(sources.instances, options.instance_headroom_percent);
    layout = std::make_unique<broker::ValueLayout>(entries, capacities);
    std::vector<const registry::RegistryEntry*> by_id(registry::kMaxMetricId + 1u, nullptr);
    for (const auto& e : entries) by_id[e.id] = &e;
    descriptor_table =
        broker::build_descriptor_table(entries, *layout, broker::kPlatform, registry::kSchemaHash,
                                       [&](std::uint16_t id) -> const broker::Availability& {
                                         return sources.availability(*by_id[id]);
                                       });

    broker::SegmentConfig config;
    config.name = "/sysring-bench" + std::string(tag) + "-" + std::to_string(::getpid());
    config.value_words = layout->words();
    config.ring_slot_count = kRingSlots;
    config.ring_slot_size = kRingSlotBytes;
    config.directory_bytes = broker::plan_directory_bytes(capacities);
    config.tick_period_ns = 1'000'000'000;
    config.schema_hash = registry::kSchemaHash;
    config.descriptors = descriptor_table;
    segment = std::make_unique<SegmentWriter>(SegmentWriter::create(config));
    instance_sources = sources.instances.in_refresh_order();
    loop =
        std::make_unique<TickLoop>(*segment, *layout, *sources.scalars, instance_sources, entries);
    fake_now = monotonic_now();
    loop->tick(fake_now);  // fills every cell, registers every instance, publishes the snapshot
    segment->go_live();
    value_words = layout->words();

    std::vector<broker::Schedule> polled_only;
    for (const auto& e : entries) {
      broker::Schedule schedule = broker::registry_schedule(e);
      if (schedule.pattern == schema::AccessPattern::Constrained) {
        schedule = {schema::AccessPattern::Static, 0};
      } else if (schedule.pattern != schema::AccessPattern::Static &&
                 schedule.pattern != schema::AccessPattern::Disabled &&
                 sources.availability(e).available && e.domain == InstanceDomain::None) {
        ++polled_only_reads;
      }
      polled_only.push_back(schedule);
    }
    broker::SegmentConfig polled_config = config;
    polled_config.name = "/sysring-benchp" + std::string(tag) + "-" + std::to_string(::getpid());
    polled_segment = std::make_unique<SegmentWriter>(SegmentWriter::create(polled_config));
    polled_loop = std::make_unique<TickLoop>(*polled_segment, *layout, *sources.scalars,
                                             instance_sources, entries, polled_only);
    polled_loop->tick(fake_now);

    for (const auto& e : entries) {
      const bool periodic = e.recommended_pattern != schema::AccessPattern::Static &&
                            e.recommended_pattern != schema::AccessPattern::Disabled;
      if (!periodic || !sources.availability(e).available) continue;
      if (e.domain != InstanceDomain::None) continue;
      ++polled_scalars;
      const broker::ParsedSource parsed = broker::parse_source(e.source);
      if (!parsed.ok() || parsed.spec.path.empty()) continue;  // computed rows read no file
      // procfs or sysfs, whichever holds the file.
      std::string path = "/proc/" + std::string(parsed.spec.path);
      if (!std::filesystem::is_regular_file(path)) path = "/sys/" + std::string(parsed.spec.path);
      if (std::filesystem::is_regular_file(path) &&
          std::find(tick_files.begin(), tick_files.end(), path) == tick_files.end()) {
        tick_files.push_back(path);
      }
    }
    for (broker::InstanceSource* s : instance_sources) {
      bool periodic = false;
      for (const std::uint16_t f : s->families()) {
        const registry::RegistryEntry& e = *by_id[f];
        periodic |=
            s->availability(f).available && e.recommended_pattern != schema::AccessPattern::Static;
      }
      polled_sources += periodic ? 1 : 0;
    }

    OpenOptions client_options;
    client_options.name = config.name;
    client_options.expected_owner = ::geteuid();
    client = std::make_unique<Client>(Client::open(client_options));
    if (tag.empty() && value_words > FloorMapping::kCopyWords) {
      throw std::runtime_error("floor too small");
    }

    // One typical batch: kDeltasPerBatch changes of real scalar metrics, counter-sized values.
    broker::DeltaEncoder encoder(segment->ring().capacity());
    encoder.begin(1, fake_now, false);
    std::size_t added = 0;
    for (const broker::ColumnPlan& c : layout->columns()) {
      if (added == kDeltasPerBatch) break;
      if (c.domain != InstanceDomain::None || c.type != schema::ValueType::U64) continue;
      encoder.add_value(broker::ValueLayout::cell(c, 0), c.type, 1'000'000 + 7919 * added++);
    }
    const std::size_t parts = encoder.finish(
        [&](std::span<const std::uint8_t> b, std::uint64_t) { batch.assign(b.begin(), b.end()); });
    if (parts != 1 || added != kDeltasPerBatch) throw std::runtime_error("batch set-up failed");
  }
};

Env* g_env = nullptr;
// A large server's fixture tree (scripts/large_server_fixture.py), when SYSRING_LARGE_FIXTURE
// names one: 256 CPUs, 64 disks, 32 interfaces, 100 mounts, 8 NUMA nodes, 100 cgroups.
Env* g_large = nullptr;

// A private destination for the copy baselines, at page offset 2048: the sources are page
// aligned, and a destination at the same page offset would make loads falsely wait on earlier
// stores to the same low 12 address bits (4K aliasing), penalising the baseline.
class CopyBuffer {
 public:
  explicit CopyBuffer(std::size_t words) : storage_(words + (4096 + 2048) / 8), words_(words) {
    auto address = reinterpret_cast<std::uintptr_t>(storage_.data());
    address = (address + 4095) / 4096 * 4096 + 2048;
    data_ = reinterpret_cast<std::uint64_t*>(address);
  }
  [[nodiscard]] std::uint64_t* data() const { return data_; }
  [[nodiscard]] std::size_t size() const { return words_; }

 private:
  std::vector<std::uint64_t> storage_;
  std::size_t words_;
  std::uint64_t* data_;
};

// ---------------------------------------------------------------------------------------------
// 1. The product's hot path: one scalar through the client's read-only mapping.

void BM_LibraryReadOne(benchmark::State& state) {
  const Client& client = *g_env->client;
  const auto found = client.find("mem.free");
  Scalar value;
  if (!found || client.read(*found, value) != ReadStatus::kOk) {
    state.SkipWithError("mem.free is not readable in the segment");
    return;
  }
  const MetricId id = *found;  // held in a register, as a caller's id would be
  // DoNotOptimize's memory clobber makes each iteration re-load the Client's fields and the
  // slot, as a real caller's would.
  for (auto _ : state) {
    Scalar out;
    ReadStatus status = client.read(id, out);  // inline: defined in client.hpp
    // Each output is kept alive in a register, as the floor keeps its word: no extra work.
    std::uint64_t bits = out.bits;
    std::uint64_t time = out.read_time_ns;
    ValueType type = out.type;
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(bits);
    benchmark::DoNotOptimize(time);
    benchmark::DoNotOptimize(type);
  }
}
BENCHMARK(BM_LibraryReadOne);

// 1b. The same read through a BoundMetric: the id resolved to its slot once, as a hot loop would.
void BM_LibraryReadBound(benchmark::State& state) {
  const Client& client = *g_env->client;
  const auto found = client.find("mem.free");
  const auto bound = found ? client.bind(*found) : std::nullopt;
  if (!bound) {
    state.SkipWithError("mem.free is not in the segment");
    return;
  }
  for (auto _ : state) {
    Scalar out;
    ReadStatus status = bound->read(out);
    std::uint64_t bits = out.bits;
    std::uint64_t time = out.read_time_ns;
    ValueType type = out.type;
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(bits);
    benchmark::DoNotOptimize(time);
    benchmark::DoNotOptimize(type);
  }
}
BENCHMARK(BM_LibraryReadBound);

// 2. The floor: a bare one-word seqlock read (seq acquire, one relaxed word, acquire fence, seq
// relaxed, compare) from a separate shm object mapped shared and read-only.

void BM_FloorSeqlockOneWord(benchmark::State& state) {
  const layout::Word* slot = g_env->floor.slot();
  std::uint64_t word = 0;
  for (auto _ : state) {
    const bool ok = seqlock::read(slot[0], [&] { word = seqlock::load(slot[1]); });
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(word);
  }
  if (word != 42) state.SkipWithError("floor word has the wrong value");
}
BENCHMARK(BM_FloorSeqlockOneWord);

// 3. Read every value (every family, every instance) in one consistent copy, and the baseline: a
// plain memcpy of as many 64-bit words from a shared read-only mapping.

void BM_LibraryReadAll(benchmark::State& state) {
  const Client& client = *g_env->client;
  ValueSnapshot snapshot;
  bool ok = client.read_all(snapshot);  // sizes the snapshot once, outside the loop
  for (auto _ : state) {
    ok = client.read_all(snapshot);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(snapshot.words().data());
    benchmark::ClobberMemory();  // the copy in memory is the output
  }
  if (!ok) state.SkipWithError("read_all stayed busy");
  state.counters["words"] = static_cast<double>(snapshot.words().size());
  state.counters["metrics"] = static_cast<double>(client.descriptors().size());
}
BENCHMARK(BM_LibraryReadAll);

void BM_BareCopyAllWords(benchmark::State& state) {
  const std::size_t words = g_env->value_words;
  const std::uint64_t* src = g_env->floor.copy_words();
  const CopyBuffer dst(words);
  for (auto _ : state) {
    std::memcpy(dst.data(), src, words * sizeof(std::uint64_t));
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  state.counters["words"] = static_cast<double>(words);
}
BENCHMARK(BM_BareCopyAllWords);

// Informational: the same words copied one relaxed 64-bit load at a time (as a latch copy must:
// no vectorised memcpy of memory another process writes), without the latch.
void BM_BareCopyAllWordsByWord(benchmark::State& state) {
  const std::size_t words = g_env->value_words;
  const auto* src = reinterpret_cast<const layout::Word*>(g_env->floor.copy_words());
  const CopyBuffer dst(words);
  std::uint64_t* const out = dst.data();
  for (auto _ : state) {
    for (std::size_t i = 0; i < words; ++i) out[i] = seqlock::load(src[i]);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
  state.counters["words"] = static_cast<double>(words);
}
BENCHMARK(BM_BareCopyAllWordsByWord);

// 3b. One family across all its instances, from one publish (read_family into a reused result,
// as a scraper or `top` reading the same family every tick does). Per value = time / instances.
void read_family_benchmark(benchmark::State& state, const char* family_name, Env* env) {
  if (env == nullptr) {
    state.SkipWithError("set SYSRING_LARGE_FIXTURE to a scripts/large_server_fixture.py tree");
    return;
  }
  const Client& client = *env->client;
  const auto family = client.find(family_name);
  if (!family) {
    state.SkipWithError("no such family");
    return;
  }
  FamilyValues values;
  client.read_family(*family, values);
  if (values.values.empty()) {
    state.SkipWithError("the family has no instance on this machine");
    return;
  }
  for (auto _ : state) {
    client.read_family(*family, values);
    benchmark::DoNotOptimize(values.values.data());
    benchmark::ClobberMemory();
  }
  state.counters["instances"] = static_cast<double>(values.values.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * values.values.size()));
}
void BM_LibraryReadFamilyNetif(benchmark::State& state) {
  read_family_benchmark(state, "netif.rx_bytes", g_env);
}
BENCHMARK(BM_LibraryReadFamilyNetif);
void BM_LibraryReadFamilyCpu(benchmark::State& state) {
  read_family_benchmark(state, "cpu.time.user", g_env);
}
BENCHMARK(BM_LibraryReadFamilyCpu);
// The same over the large server: 256 CPUs, 64 disks (per-call costs spread over many values).
void BM_LargeReadFamilyCpu(benchmark::State& state) {
  read_family_benchmark(state, "cpu.time.user", g_large);
}
BENCHMARK(BM_LargeReadFamilyCpu);
void BM_LargeReadFamilyDisk(benchmark::State& state) {
  read_family_benchmark(state, "disk.read_bytes", g_large);
}
BENCHMARK(BM_LargeReadFamilyDisk);

// 3c. One (family, instance) through a handle: the registration check in the same latch read.
void BM_LibraryReadHandle(benchmark::State& state) {
  const Client& client = *g_env->client;
  const auto handle = client.bind(MetricId::netif_rx_bytes, "lo");
  if (!handle) {
    state.SkipWithError("no interface lo");
    return;
  }
  for (auto _ : state) {
    Scalar out;
    ReadStatus status = client.read(*handle, out);
    std::uint64_t bits = out.bits;
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(bits);
  }
}
BENCHMARK(BM_LibraryReadHandle);

// ---------------------------------------------------------------------------------------------
// 4. Following the ring: one RingFollower::poll per iteration, each consuming one batch of
// kDeltasPerBatch deltas.
//
// Method: the benchmark is the broker. Whenever the follower has consumed everything published,
// the timer is paused and a full ring's worth (kRingSlots batches, the pre-encoded typical batch)
// is published through the SegmentWriter's RingWriter, then the timer resumes. The follower is
// never more than kRingSlots behind, so it is never lapped (checked), and every timed poll
// reads, verifies and decodes one real slot. The pause/resume pair costs a few microseconds of
// timer reads once per kRingSlots polls, i.e. a few ns per poll at most: the median is an
// upper bound on poll(), not inflated by publishing. The first poll of a new follower (the full
// snapshot from the value table) is done before the timed loop. The 2048 slots span 8 MiB, so a
// poll reads its slot from L2/L3 rather than L1, as a follower reading another core's writes.

void BM_RingFollow(benchmark::State& state) {
  Env& env = *g_env;
  broker::RingWriter& ring = env.segment->ring();
  const std::uint64_t slots = env.client->ring_slot_count();
  RingFollower follower(*env.client);
  Batch batch;
  if (follower.poll(batch) != PollResult::kBatch || !batch.from_value_table) {
    state.SkipWithError("the first poll is not a snapshot");
    return;
  }
  std::uint64_t ready = 0;
  std::uint64_t deltas = 0;
  std::uint64_t batches = 0;
  for (auto _ : state) {
    if (ready == 0) {
      state.PauseTiming();
      for (std::uint64_t i = 0; i < slots; ++i) ring.publish(env.batch, kDeltasPerBatch);
      ready = slots;
      state.ResumeTiming();
    }
    const PollResult result = follower.poll(batch);
    --ready;
    batches += result == PollResult::kBatch;
    benchmark::DoNotOptimize(result);
    benchmark::DoNotOptimize(batch.values.data());
    benchmark::ClobberMemory();
    deltas += batch.values.size();
  }
  if (batches != static_cast<std::uint64_t>(state.iterations()) || follower.lost_total() != 0 ||
      follower.corrupt_count() != 0 || deltas != batches * kDeltasPerBatch) {
    state.SkipWithError("follower lost, skipped or mis-decoded batches");
    return;
  }
  state.counters["deltas_per_batch"] = static_cast<double>(kDeltasPerBatch);
  state.counters["batch_bytes"] = static_cast<double>(env.batch.size());
  state.SetItemsProcessed(static_cast<std::int64_t>(deltas));
}
BENCHMARK(BM_RingFollow);

// Informational: the broker's side of the same batch (seqlock-write one slot, release the head).
void BM_RingPublish(benchmark::State& state) {
  Env& env = *g_env;
  broker::RingWriter& ring = env.segment->ring();
  for (auto _ : state) {
    ring.publish(env.batch, kDeltasPerBatch);
    benchmark::ClobberMemory();
  }
  state.counters["batch_bytes"] = static_cast<double>(env.batch.size());
}
BENCHMARK(BM_RingPublish);

// ---------------------------------------------------------------------------------------------
// 5. The broker: one tick over the real sources, scalars and instances. `now` jumps a day per
// iteration, past every TTL, so every POLLED/CONSTRAINED metric and every instance source is due
// (a full refresh; STATIC ones were read at the first tick and never again, as in the broker).
// Idle: the same `now` again, nothing due.

// CPU time is the whole process's (MeasureProcessCPUTime): the statfs worker's calls are part
// of the broker's cost of a refresh.
void BM_BrokerTick(benchmark::State& state) {
  Env& env = *g_env;
  std::uint64_t reads = 0;
  for (auto _ : state) {
    env.fake_now += kDayNs;
    const broker::TickStats stats = env.loop->tick(env.fake_now);
    reads += stats.reads;
    benchmark::DoNotOptimize(stats);
  }
  const double per_tick = static_cast<double>(reads) / static_cast<double>(state.iterations());
  if (per_tick != static_cast<double>(env.polled_scalars + env.polled_sources)) {
    state.SkipWithError("not every polled metric and source was due");
    return;
  }
  state.counters["reads_per_tick"] = per_tick;
  state.counters["instance_sources"] = static_cast<double>(env.polled_sources);
}
BENCHMARK(BM_BrokerTick)->MeasureProcessCPUTime();

// The budget's measure: a full refresh of every POLLED source, instances included (CONSTRAINED
// tunables are not polled: see Env::polled_loop).
void BM_BrokerTickPolled(benchmark::State& state) {
  Env& env = *g_env;
  std::uint64_t reads = 0;
  for (auto _ : state) {
    env.fake_now += kDayNs;
    const broker::TickStats stats = env.polled_loop->tick(env.fake_now);
    reads += stats.reads;
    benchmark::DoNotOptimize(stats);
  }
  const double per_tick = static_cast<double>(reads) / static_cast<double>(state.iterations());
  if (per_tick != static_cast<double>(env.polled_only_reads + env.polled_sources)) {
    state.SkipWithError("not every polled metric and source was due");
    return;
  }
  state.counters["reads_per_tick"] = per_tick;
}
BENCHMARK(BM_BrokerTickPolled)->MeasureProcessCPUTime();

// The same two measures over the large server's fixture tree (skipped without one).
void broker_tick_large(benchmark::State& state, bool polled_only) {
  if (g_large == nullptr) {
    state.SkipWithError("set SYSRING_LARGE_FIXTURE to a scripts/large_server_fixture.py tree");
    return;
  }
  Env& env = *g_large;
  TickLoop& loop = polled_only ? *env.polled_loop : *env.loop;
  for (auto _ : state) {
    env.fake_now += kDayNs;
    benchmark::DoNotOptimize(loop.tick(env.fake_now));
  }
  state.counters["value_words"] = static_cast<double>(env.value_words);
  state.counters["segment_bytes"] = static_cast<double>(env.segment->header().fixed.total_size);
}
void BM_LargeServerTick(benchmark::State& state) {
  broker_tick_large(state, false);
}
BENCHMARK(BM_LargeServerTick)->MeasureProcessCPUTime();
void BM_LargeServerTickPolled(benchmark::State& state) {
  broker_tick_large(state, true);
}
BENCHMARK(BM_LargeServerTickPolled)->MeasureProcessCPUTime();

void BM_BrokerTickIdle(benchmark::State& state) {
  Env& env = *g_env;
  env.fake_now += kDayNs;
  env.loop->tick(env.fake_now);  // everything read now: nothing due until now + TTL
  std::uint64_t reads = 0;
  for (auto _ : state) {
    const broker::TickStats stats = env.loop->tick(env.fake_now);
    reads += stats.reads;
    benchmark::DoNotOptimize(stats);
  }
  if (reads != 0) state.SkipWithError("an idle tick read something");
}
BENCHMARK(BM_BrokerTickIdle);

// Informational, to split BM_BrokerTick by source: one refresh of each instance source into a
// sink that takes every value (a stable row per name, as the instance table gives).
class NullSink final : public broker::InstanceSink {
 public:
  std::uint32_t present(std::string_view name, std::span<const broker::LabelView>) override {
    for (std::uint32_t i = 0; i < names_.size(); ++i) {
      if (names_[i] == name) return i;
    }
    names_.emplace_back(name);
    return static_cast<std::uint32_t>(names_.size() - 1);
  }
  [[nodiscard]] std::uint32_t find(std::string_view) const override { return 0; }
  void value(std::uint16_t, std::uint32_t, const broker::Reading& r) override {
    benchmark::DoNotOptimize(r.bits);
  }
  [[nodiscard]] bool wants(std::uint16_t) const override { return true; }

 private:
  std::vector<std::string> names_;
};

void BM_InstanceSourceRefresh(benchmark::State& state) {
  broker::InstanceSource& source =
      *g_env->instance_sources[static_cast<std::size_t>(state.range(0))];
  NullSink sink;
  for (auto _ : state) source.refresh(sink);
  state.SetLabel(std::string(domain_name(source.domain())) +
                 (source.owns_domain() ? "" : " (attached values)"));
}
BENCHMARK(BM_InstanceSourceRefresh)->DenseRange(0, 6)->MeasureProcessCPUTime();

// Informational, to split BM_BrokerTick into kernel and user time: the reads alone of every file
// a full tick re-reads, kept open. "Refresh" is the product's ProcfsFile::refresh in the modes the
// broker uses (until EOF for /proc/vmstat, one read for the files generated in one piece);
// "SinglePread" is one pread per file into a buffer large enough for it.
void BM_TickFilesRefresh(benchmark::State& state) {
  std::vector<broker::ProcfsFile> files;
  for (const std::string& path : g_env->tick_files) {
    const bool iterated = path.ends_with("/vmstat");
    files.emplace_back(path, iterated ? broker::ProcfsFile::ReadMode::kUntilEof
                                      : broker::ProcfsFile::ReadMode::kWholeInOneRead);
  }
  int errors = 0;
  for (auto _ : state) {
    for (broker::ProcfsFile& file : files) errors += file.refresh() != 0;
    benchmark::DoNotOptimize(errors);
  }
  if (errors != 0) state.SkipWithError("a refresh failed");
  state.counters["files"] = static_cast<double>(files.size());
}
BENCHMARK(BM_TickFilesRefresh);

void BM_TickFilesSinglePread(benchmark::State& state) {
  // Per file: a kept-open fd and a buffer of ProcfsFile's initial 4 KiB, doubled until it holds
  // twice the file (a /proc/sys read allocates count+1 bytes in the kernel: keep it modest).
  struct File {
    int fd;
    std::vector<char> buf;
  };
  std::vector<File> files;
  for (const std::string& path : g_env->tick_files) {
    File f{::open(path.c_str(), O_RDONLY | O_CLOEXEC), std::vector<char>(4096)};
    if (f.fd < 0) {
      state.SkipWithError("cannot open a tick file");
      return;
    }
    for (;;) {
      const ssize_t n = ::pread(f.fd, f.buf.data(), f.buf.size(), 0);
      if (n < 0 || 2 * static_cast<std::size_t>(n) <= f.buf.size()) break;
      f.buf.resize(2 * f.buf.size());
    }
    files.push_back(std::move(f));
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    bytes = 0;
    for (File& f : files) {
      const ssize_t n = ::pread(f.fd, f.buf.data(), f.buf.size(), 0);
      bytes += n > 0 ? static_cast<std::size_t>(n) : 0;
    }
    benchmark::DoNotOptimize(bytes);
    benchmark::ClobberMemory();
  }
  for (const File& f : files) ::close(f.fd);
  state.counters["files"] = static_cast<double>(files.size());
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_TickFilesSinglePread);

// ---------------------------------------------------------------------------------------------
// 6. Baselines: what a client pays without sysring.

// Parses the leading decimal number of a procfs file ("4194304\n").
std::uint64_t parse_u64(const char* text, std::size_t length) {
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text, text + length, value);
  if (ec != std::errc{} || end == text) return UINT64_MAX;
  return value;
}

struct KeyValue {
  std::string_view key;
  std::uint64_t value;
};

// "MemTotal:       24683620 kB\n..." -> {("MemTotal", 24683620 * 1024), ...}; a bare number
// (HugePages_Total) stays a count.
std::size_t parse_meminfo(std::string_view text, std::vector<KeyValue>& out) {
  out.clear();
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    line.remove_prefix(colon + 1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
    if (ec != std::errc{}) continue;
    line.remove_prefix(static_cast<std::size_t>(end - line.data()));
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.starts_with("kB")) value *= 1024;
    out.push_back({key, value});
  }
  return out.size();
}

// Reads the whole file from offset 0 into `buf` (procfs gives it in one call; loop anyway).
std::size_t pread_all(int fd, char* buf, std::size_t cap) {
  std::size_t got = 0;
  while (got < cap) {
    const ssize_t n = ::pread(fd, buf + got, cap - got, static_cast<off_t>(got));
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

std::size_t read_all(int fd, char* buf, std::size_t cap) {
  std::size_t got = 0;
  while (got < cap) {
    const ssize_t n = ::read(fd, buf + got, cap - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  return got;
}

void BM_PreadProcSysKeptOpen(benchmark::State& state) {
  const int fd = ::open(kProcSysFile, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("cannot open /proc/sys/kernel/pid_max");
    return;
  }
  char buf[64];
  std::uint64_t value = 0;
  for (auto _ : state) {
    const ssize_t n = ::pread(fd, buf, sizeof buf, 0);
    value = parse_u64(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    benchmark::DoNotOptimize(value);
  }
  ::close(fd);
  if (value == UINT64_MAX) state.SkipWithError("pid_max did not parse");
}
BENCHMARK(BM_PreadProcSysKeptOpen);

void BM_OpenReadCloseProcSys(benchmark::State& state) {
  char buf[64];
  std::uint64_t value = 0;
  for (auto _ : state) {
    const int fd = ::open(kProcSysFile, O_RDONLY | O_CLOEXEC);
    const ssize_t n = fd < 0 ? -1 : ::read(fd, buf, sizeof buf);
    if (fd >= 0) ::close(fd);
    value = parse_u64(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    benchmark::DoNotOptimize(value);
  }
  if (value == UINT64_MAX) state.SkipWithError("pid_max did not parse");
}
BENCHMARK(BM_OpenReadCloseProcSys);

void BM_ParseProcMeminfo(benchmark::State& state) {
  std::vector<char> buf(64 * 1024);
  std::vector<KeyValue> pairs;
  pairs.reserve(128);
  for (auto _ : state) {
    const int fd = ::open(kMeminfo, O_RDONLY | O_CLOEXEC);
    const std::size_t n = fd < 0 ? 0 : read_all(fd, buf.data(), buf.size());
    if (fd >= 0) ::close(fd);
    const std::size_t count = parse_meminfo({buf.data(), n}, pairs);
    benchmark::DoNotOptimize(count);
    benchmark::DoNotOptimize(pairs.data());
    benchmark::ClobberMemory();
  }
  if (pairs.size() < 20) state.SkipWithError("/proc/meminfo did not parse");
  state.counters["pairs"] = static_cast<double>(pairs.size());
}
BENCHMARK(BM_ParseProcMeminfo);

void BM_PreadProcMeminfoKeptOpen(benchmark::State& state) {
  const int fd = ::open(kMeminfo, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    state.SkipWithError("cannot open /proc/meminfo");
    return;
  }
  std::vector<char> buf(64 * 1024);
  std::vector<KeyValue> pairs;
  pairs.reserve(128);
  for (auto _ : state) {
    const std::size_t n = pread_all(fd, buf.data(), buf.size());
    const std::size_t count = parse_meminfo({buf.data(), n}, pairs);
    benchmark::DoNotOptimize(count);
    benchmark::DoNotOptimize(pairs.data());
    benchmark::ClobberMemory();
  }
  ::close(fd);
  if (pairs.size() < 20) state.SkipWithError("/proc/meminfo did not parse");
  state.counters["pairs"] = static_cast<double>(pairs.size());
}
BENCHMARK(BM_PreadProcMeminfoKeptOpen);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  std::unique_ptr<Env> env;
  std::unique_ptr<Env> large;
  try {
    env = std::make_unique<Env>(broker::BrokerOptions{});
    if (const char* dir = std::getenv("SYSRING_LARGE_FIXTURE"); dir != nullptr && *dir != '\0') {
      broker::BrokerOptions options;
      options.proc_root = options.instance_config.proc_root = std::string(dir) + "/proc";
      options.sys_root = options.instance_config.sys_root = std::string(dir) + "/sys";
      broker::apply_instance_sections(
          broker::load_schedule_config(std::string(dir) + "/sysringd.conf"),
          options.instance_config);
      large = std::make_unique<Env>(options, "L");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sysring_bench: set-up failed: %s\n", e.what());
    return 1;
  }
  g_env = env.get();
  g_large = large.get();
  benchmark::AddCustomContext("sysring.metrics", std::to_string(env->client->descriptors().size()));
  benchmark::AddCustomContext("sysring.value_words", std::to_string(env->value_words));
  benchmark::AddCustomContext("sysring.polled_scalars", std::to_string(env->polled_scalars));
  benchmark::AddCustomContext("sysring.polled_instance_sources",
                              std::to_string(env->polled_sources));
  benchmark::AddCustomContext(
      "sysring.ring", std::to_string(kRingSlots) + " x " + std::to_string(kRingSlotBytes) + " B");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_env = nullptr;
  g_large = nullptr;
  large.reset();
  env.reset();  // the segment is closed and unlinked, the floor object unlinked
  return 0;
}
