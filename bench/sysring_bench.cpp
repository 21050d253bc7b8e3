// sysring_bench: what a read costs through libsysring, against the floor it cannot beat and the
// procfs reads it replaces. Everything runs in one process and one run, so the ratios that
// bench/report.py checks come from medians taken under the same machine conditions.
//
// Set-up (once, in main, before any benchmark): exactly what sysringd does, then what a client
// does. The Linux sources are bound over the real /proc, the descriptor table is built, a fresh
// segment is created under a unique name (SegmentWriter::create), one TickLoop tick fills every
// slot and publishes the first snapshot, the segment goes LIVE, and Client::open maps it
// read-only (O_RDONLY, PROT_READ) and validates it. A second, separate shm object holds the
// "floor" words; it too is mapped read-only (MAP_SHARED, PROT_READ) the way a client maps.
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
#include <cstring>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "segment/delta_encoder.hpp"
#include "segment/descriptor_builder.hpp"
#include "segment/segment_writer.hpp"
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
constexpr std::uint32_t kRingSlotBytes = 4096;  // the broker's default slot size
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
  static constexpr std::size_t kBytes = 64 * 1024;
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

struct ReadAllItem {
  MetricId id;
  bool text;
};

// The broker and a client of it, in one process.
struct Env {
  std::vector<registry::RegistryEntry> entries;
  std::unique_ptr<broker::MetricSources> sources;
  std::vector<std::uint8_t> descriptor_table;
  std::unique_ptr<SegmentWriter> segment;
  std::unique_ptr<TickLoop> loop;
  std::uint64_t fake_now = 0;  // the broker's clock for BM_BrokerTick*: only moves forward
  std::size_t polled_metrics = 0;
  std::vector<std::string> tick_files;  // what a full tick re-reads: "/proc/meminfo", ...
  std::unique_ptr<Client> client;
  FloorMapping floor;

  // Read-all: every descriptor, in table order, and the words such a pass copies.
  std::vector<ReadAllItem> read_all;
  std::size_t read_all_words = 0;
  // The same words, as (slot, words from read_time_ns on), for BM_BareGatherAllWords.
  std::vector<std::pair<const layout::ValueSlot*, std::uint32_t>> gather;

  std::vector<std::uint8_t> batch;  // one encoded DeltaBatch of kDeltasPerBatch scalars

  Env() {
    for (const auto& e : registry::kEntries) {
      if (e.platform == "linux") entries.push_back(e);
    }
    sources = broker::make_linux_sources(entries, "/proc");
    descriptor_table = broker::build_descriptor_table(
        entries, "linux", registry::kSchemaHash,
        [&](std::uint16_t id) -> const broker::Availability& { return sources->availability(id); });

    broker::SegmentConfig config;
    config.name = "/sysring-bench-" + std::to_string(::getpid());
    config.value_slot_count = registry::kMaxMetricId + 1u;
    config.ring_slot_count = kRingSlots;
    config.ring_slot_size = kRingSlotBytes;
    config.tick_period_ns = 1'000'000'000;
    config.schema_hash = registry::kSchemaHash;
    config.descriptors = descriptor_table;
    segment = std::make_unique<SegmentWriter>(SegmentWriter::create(config));
    loop = std::make_unique<TickLoop>(*segment, *sources, entries);
    fake_now = monotonic_now();
    loop->tick(fake_now);  // fills every slot, publishes the full snapshot
    segment->go_live();

    for (const auto& e : entries) {
      if (sources->availability(e.id).available &&
          e.recommended_pattern != schema::AccessPattern::Static &&
          e.recommended_pattern != schema::AccessPattern::Disabled) {
        ++polled_metrics;
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
    }

    OpenOptions options;
    options.name = config.name;
    options.expected_owner = ::geteuid();
    client = std::make_unique<Client>(Client::open(options));

    // Where the client's mapping keeps the value table (the validated header says).
    const layout::Header& live = client->live_header();
    const layout::ValueSlot* slots = nullptr;
    for (std::uint32_t i = 0; i < live.fixed.section_count; ++i) {
      if (live.fixed.sections[i].kind == static_cast<std::uint32_t>(layout::SectionKind::kValues)) {
        slots = reinterpret_cast<const layout::ValueSlot*>(
            reinterpret_cast<const std::uint8_t*>(&live) + live.fixed.sections[i].offset);
      }
    }
    if (slots == nullptr) throw std::runtime_error("segment has no value table section");

    // Words a read-all copies (the seq word, loaded twice, is not counted): a scalar copies
    // read_time_ns, meta and payload[0]; a string read_time_ns, meta and its payload words.
    for (const Descriptor& d : client->descriptors()) {
      const bool text = d.type == ValueType::String;
      read_all.push_back({d.id, text});
      std::uint32_t words = 3;
      if (text) {
        Text t;
        words = 2 + (client->read_text(d.id, t) == ReadStatus::kOk ? (t.length + 7) / 8 : 0);
      }
      read_all_words += words;
      gather.emplace_back(&slots[static_cast<std::uint16_t>(d.id)], words);
    }
    if (read_all_words > FloorMapping::kCopyWords) throw std::runtime_error("floor too small");

    // One typical batch: kDeltasPerBatch scalar changes of real metric ids.
    broker::DeltaEncoder encoder(segment->ring().capacity());
    encoder.begin(1, fake_now, false);
    std::size_t added = 0;
    for (const auto& e : entries) {
      if (added == kDeltasPerBatch) break;
      if (e.type == schema::ValueType::String) continue;
      encoder.add_scalar(e.id, 1'000'000 + added++);
    }
    const std::size_t parts = encoder.finish(
        [&](std::span<const std::uint8_t> b, std::uint64_t) { batch.assign(b.begin(), b.end()); });
    if (parts != 1 || added != kDeltasPerBatch) throw std::runtime_error("batch set-up failed");
  }
};

Env* g_env = nullptr;

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

// 3. Read every metric of the descriptor table (scalars with read, strings with read_text), and
// the baseline: a plain copy of as many 64-bit words from a shared read-only mapping.

void BM_LibraryReadAll(benchmark::State& state) {
  const Client& client = *g_env->client;
  // What a reader of everything does: scalars in one read_many, strings one by one.
  std::vector<MetricId> scalar_ids;
  std::vector<MetricId> text_ids;
  for (const ReadAllItem& item : g_env->read_all)
    (item.text ? text_ids : scalar_ids).push_back(item.id);
  std::vector<Scalar> values(scalar_ids.size());
  std::vector<ReadStatus> statuses(scalar_ids.size());
  std::vector<Text> texts(text_ids.size());
  std::size_t ok = 0;
  for (auto _ : state) {
    ok = client.read_many(scalar_ids, values, statuses);
    for (std::size_t i = 0; i < text_ids.size(); ++i) {
      ok += client.read_text(text_ids[i], texts[i]) == ReadStatus::kOk;
    }
    benchmark::DoNotOptimize(ok);
    benchmark::ClobberMemory();  // the results in memory are the output
  }
  state.counters["metrics"] = static_cast<double>(g_env->read_all.size());
  state.counters["ok"] = static_cast<double>(ok);
  state.counters["words"] = static_cast<double>(g_env->read_all_words);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * g_env->read_all.size()));
}
BENCHMARK(BM_LibraryReadAll);

void BM_BareCopyAllWords(benchmark::State& state) {
  const std::size_t words = g_env->read_all_words;
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

// Informational baselines, to tell the cost of the layout from the cost of the seqlock:
// - the same words copied one 64-bit load at a time (as a seqlock copy must: relaxed atomic
//   loads, no vectorised memcpy), contiguous, from the same read-only floor mapping;
// - the same words gathered slot by slot from the segment's own value table (one 128-byte slot
//   per metric, read_time_ns/meta/payload), without any seqlock.
void BM_BareCopyAllWordsByWord(benchmark::State& state) {
  const std::size_t words = g_env->read_all_words;
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

void BM_BareGatherAllWords(benchmark::State& state) {
  const auto& gather = g_env->gather;
  const CopyBuffer dst(g_env->read_all_words);
  std::uint64_t* const begin = dst.data();
  for (auto _ : state) {
    std::uint64_t* out = begin;
    for (const auto& [slot, words] : gather) {
      out[0] = seqlock::load(slot->read_time_ns);
      out[1] = seqlock::load(slot->meta);
      if (words == 3) {  // a scalar
        out[2] = seqlock::load(slot->payload[0]);
      } else {  // a string: its payload words
        for (std::uint32_t i = 2; i < words; ++i) out[i] = seqlock::load(slot->payload[i - 2]);
      }
      out += words;
    }
    benchmark::DoNotOptimize(begin);
    benchmark::ClobberMemory();
  }
  state.counters["words"] = static_cast<double>(dst.size());
}
BENCHMARK(BM_BareGatherAllWords);

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
// 5. The broker: one tick over the real Linux sources. `now` jumps a day per iteration, past
// every TTL, so every POLLED/CONSTRAINED metric is due (a full refresh; STATIC ones were read
// at the first tick and never again, as in the broker). Idle: the same `now` again, nothing due.

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
  if (per_tick != static_cast<double>(env.polled_metrics)) {
    state.SkipWithError("not every polled metric was due");
    return;
  }
  state.counters["reads_per_tick"] = per_tick;
}
BENCHMARK(BM_BrokerTick);

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
  try {
    env = std::make_unique<Env>();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sysring_bench: set-up failed: %s\n", e.what());
    return 1;
  }
  g_env = env.get();
  benchmark::AddCustomContext("sysring.metrics", std::to_string(env->read_all.size()));
  benchmark::AddCustomContext("sysring.read_all_words", std::to_string(env->read_all_words));
  benchmark::AddCustomContext("sysring.polled_metrics", std::to_string(env->polled_metrics));
  benchmark::AddCustomContext(
      "sysring.ring", std::to_string(kRingSlots) + " x " + std::to_string(kRingSlotBytes) + " B");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_env = nullptr;
  env.reset();  // the segment is closed and unlinked, the floor object unlinked
  return 0;
}
