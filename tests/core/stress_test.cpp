// The cross-process proof of "no torn reads, ever": one writer process rewrites and publishes the
// value table in a tight loop (every value derived from a counter, so a torn copy is detectable),
// at least 4 reader processes read it through libsysring (Client::read / read_text /
// read_counter, and read_all: the whole table from one publish) and count torn and busy results,
// and one more process follows the delta ring while the writer publishes. Results come back
// through pipes; the parent asserts.
//
// SYSRING_STRESS_READS sets the total number of value reads (default 10,000,000).
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core_support.hpp"
#include "segment/delta_encoder.hpp"
#include "segment/value_table_writer.hpp"
#include "sysring/client.hpp"
#include "sysring/ring_follower.hpp"

namespace sysring {
namespace {

using Clock = std::chrono::steady_clock;

// ---- What the writer writes, as functions of a counter k ----
constexpr std::array<MetricId, 6> kScalarIds = {MetricId::mem_total,     MetricId::mem_free,
                                                MetricId::mem_available, MetricId::mem_buffers,
                                                MetricId::mem_cached,    MetricId::vm_pgfault};
constexpr std::array<MetricId, 4> kTextIds = {MetricId::kern_hostname, MetricId::kern_ostype,
                                              MetricId::kern_osrelease, MetricId::kern_version};
constexpr MetricId kCounterId = MetricId::pmc_all_cycles;  // count, enabled, running together
constexpr std::uint32_t kRingSlots = 16;
constexpr std::uint64_t kBatchEvery = 32;  // writer iterations per ring batch
// The writer publishes at most once per this many ns: 200,000 publishes a second, where a broker
// publishes once a tick. A reader copying the whole table (read_all, the follower's snapshot)
// needs a few microseconds between two publishes; a writer publishing back to back would send it
// round until it gives up (bounded, reported busy), which tests nothing more.
constexpr std::int64_t kPublishEveryNs = 5'000;
constexpr std::uint64_t kMinRingBatches = 2000;  // the follower reads at least this many

std::uint64_t scalar_for(std::uint64_t k, std::size_t j) {
  return (k * 0x9E3779B97F4A7C15ULL) ^ (0x1111111111111111ULL * (j + 1));
}
// A counter's three words, each a different function of k: a mix of two writes is detectable.
std::uint64_t counter_count(std::uint64_t k) {
  return scalar_for(k, 7);
}
std::uint64_t counter_enabled(std::uint64_t k) {
  return 3 * k;
}
std::uint64_t counter_running(std::uint64_t k) {
  return 2 * k + 1;
}
std::uint32_t text_length(std::uint64_t k) {
  return static_cast<std::uint32_t>(8 + k % 90);
}
std::string text_for(std::uint64_t k) {
  std::string s(text_length(k), '?');
  for (std::size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('a' + (k + i) % 26);
  return s;
}
bool text_is(std::uint64_t k, std::string_view text) {
  return text == text_for(k);
}
// Without the counter: is it *some* text_for(k)? (length 8..97, letters in sequence)
bool text_self_consistent(std::string_view text) {
  if (text.size() < 8 || text.size() > 97) return false;
  const int first = text[0] - 'a';
  if (first < 0 || first >= 26) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != static_cast<char>('a' + (first + static_cast<int>(i)) % 26)) return false;
  }
  // Length and first letter must come from the same k: k = first (mod 26) and k = len - 8
  // (mod 90) have a common solution only if they agree modulo gcd(26, 90) = 2.
  return (static_cast<int>(text.size()) - 8 - first) % 2 == 0;
}
std::uint64_t ring_value(std::uint64_t position) {
  return 0xB0000000ULL + position * 5;
}

// ---- Shared control page and result records ----
struct Control {
  std::atomic<int> stop_writer{0};
  std::atomic<int> stop_follower{0};
  std::atomic<std::uint64_t> writer_iterations{0};
  std::atomic<std::uint64_t> batches_published{0};
};

struct ReaderResult {
  int error = 0;
  char message[200] = {};
  std::uint64_t calls = 0, ok = 0, busy = 0, torn = 0, unexpected = 0, distinct = 0;
  double seconds = 0;
};

struct FollowerResult {
  int error = 0;
  char message[200] = {};
  std::uint64_t polls = 0, ring_batches = 0, snapshots = 0, laps = 0, lost_total = 0;
  std::uint64_t lost_mismatch = 0, order_violations = 0, content_violations = 0, corrupt = 0;
  std::uint64_t busy = 0, idle = 0, last_position = 0;
  std::uint64_t first_mismatch_reported = 0, first_mismatch_actual = 0;
};
static_assert(sizeof(ReaderResult) < PIPE_BUF && sizeof(FollowerResult) < PIPE_BUF);

template <class T>
void report(int fd, const T& result) {
  (void)!::write(fd, &result, sizeof result);  // < PIPE_BUF: one atomic write
}

template <class T>
void set_error(T& result, const char* what) {
  result.error = 1;
  std::snprintf(result.message, sizeof result.message, "%s", what);
}

std::uint64_t total_reads() {
  if (const char* s = std::getenv("SYSRING_STRESS_READS")) {
    const unsigned long long v = std::strtoull(s, nullptr, 10);
    if (v > 0) return v;
  }
  return 10'000'000;
}

// ---- Writer process ----
[[noreturn]] void writer_main(const std::string& name, Control* control, int ready_fd) {
  try {
    coretest::SegmentSpec spec;
    spec.name = name;
    spec.ring_slot_count = kRingSlots;
    spec.ring_slot_size = 1024;
    {
      spec.entries = coretest::published_entries();
      auto segment = coretest::make_segment(spec);
      broker::DeltaEncoder encoder(segment->ring().capacity());
      broker::ValueTableWriter& table = segment->values();
      std::uint64_t k = 1;
      std::uint64_t batch = 0;
      const auto id = [](MetricId m) { return static_cast<std::uint16_t>(m); };
      // One publish per k, as one broker tick: every value, stamped k.
      const auto write_all = [&] {
        for (std::size_t j = 0; j < kScalarIds.size(); ++j) {
          table.put_scalar(segment->cell(id(kScalarIds[j])), schema::ValueType::U64,
                           scalar_for(k, j));
          table.stamp(segment->column(id(kScalarIds[j])), k);
        }
        for (std::size_t j = 0; j < kTextIds.size(); ++j) {
          table.put_text(segment->cell(id(kTextIds[j])), text_for(k + j));
          table.stamp(segment->column(id(kTextIds[j])), k);
        }
        table.put_counter(segment->cell(id(kCounterId)), counter_count(k), counter_enabled(k),
                          counter_running(k));
        table.stamp(segment->column(id(kCounterId)), k);
        table.publish();
      };
      write_all();  // every slot holds a value before clients attach
      segment->go_live();
      const char ok = 'R';
      (void)!::write(ready_fd, &ok, 1);
      ::close(ready_fd);
      auto next_publish = Clock::now();
      while (control->stop_writer.load(std::memory_order_relaxed) == 0) {
        next_publish += std::chrono::nanoseconds(kPublishEveryNs);
        while (Clock::now() < next_publish) {
        }
        ++k;
        write_all();
        if (k % kBatchEvery == 0) {
          encoder.begin(batch, k, false);
          encoder.add_value(segment->cell(id(MetricId::mem_free)), schema::ValueType::U64,
                            ring_value(batch));
          encoder.add_text(segment->cell(id(MetricId::kern_hostname)), text_for(batch));
          encoder.finish([&](std::span<const std::uint8_t> bytes, std::uint64_t deltas) {
            segment->ring().publish(bytes, deltas);
          });
          ++batch;
          control->batches_published.store(batch, std::memory_order_relaxed);
        }
        if ((k & 1023) == 0) control->writer_iterations.store(k, std::memory_order_relaxed);
      }
      control->writer_iterations.store(k, std::memory_order_relaxed);
      segment->close();  // CLOSED + unlink; the destructor would not run after _exit
    }
    std::_Exit(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stress writer: %s\n", e.what());
    std::_Exit(2);
  }
}

// ---- Reader processes ----
[[noreturn]] void reader_main(const std::string& name, int index, std::uint64_t reads, int fd) {
  ReaderResult result;
  try {
    const Client client = Client::open(coretest::open_options(name));
    std::vector<const Descriptor*> scalars, texts;
    for (const MetricId id : kScalarIds) scalars.push_back(client.descriptor(id));
    for (const MetricId id : kTextIds) texts.push_back(client.descriptor(id));
    const Descriptor* counter = client.descriptor(kCounterId);
    ValueSnapshot snapshot;
    const auto t0 = Clock::now();
    std::uint64_t last_k = 0;
    // Counts one read's status; true when it returned a value to check.
    const auto counted_ok = [&result](ReadStatus st) {
      if (st == ReadStatus::kBusy) {
        ++result.busy;
      } else if (st != ReadStatus::kOk) {
        ++result.unexpected;
      } else {
        ++result.ok;
      }
      return st == ReadStatus::kOk;
    };
    for (std::uint64_t n = 0; n < reads; ++n) {
      ++result.calls;
      const std::uint64_t op = (n + static_cast<std::uint64_t>(index)) % 6;
      std::uint64_t k = 0;
      if (op <= 1) {  // scalar through Client::read: read time, type and bits from one write
        const std::size_t j = (n / 5 + static_cast<std::uint64_t>(index)) % kScalarIds.size();
        Scalar v;
        const ReadStatus st = client.read(kScalarIds[j], v);
        if (!counted_ok(st)) continue;
        k = v.read_time_ns;
        if (v.bits != scalar_for(k, j) || v.type != schema::ValueType::U64) ++result.torn;
      } else if (op <= 3) {  // string through Client::read_text: length and every byte
        const std::size_t j = (n / 5 + static_cast<std::uint64_t>(index)) % kTextIds.size();
        Text t;
        const ReadStatus st = client.read_text(kTextIds[j], t);
        if (!counted_ok(st)) continue;
        k = t.read_time_ns;
        if (!text_is(k + j, t.view())) ++result.torn;
      } else if (op == 5) {  // counter through Client::read_counter: all three words from one write
        CounterTotals c;
        const ReadStatus st = client.read_counter(kCounterId, c);
        if (!counted_ok(st)) continue;
        k = c.read_time_ns;
        if (c.count != counter_count(k) || c.time_enabled_ns != counter_enabled(k) ||
            c.time_running_ns != counter_running(k)) {
          ++result.torn;
        }
      } else {  // the whole table through Client::read_all: every value from one publish
        if (!client.read_all(snapshot)) {
          ++result.busy;
          continue;
        }
        ++result.ok;
        CounterTotals c;
        bool good = snapshot.counter(*counter, 0, c) == ReadStatus::kOk;
        k = c.read_time_ns;
        good = good && c.count == counter_count(k) && c.time_enabled_ns == counter_enabled(k) &&
               c.time_running_ns == counter_running(k);
        for (std::size_t j = 0; j < scalars.size(); ++j) {
          Scalar v;
          good = good && snapshot.scalar(*scalars[j], 0, v) == ReadStatus::kOk &&
                 v.read_time_ns == k && v.bits == scalar_for(k, j);
        }
        for (std::size_t j = 0; j < texts.size(); ++j) {
          const std::span<const std::uint64_t> words = snapshot.words();
          const std::uint64_t cell = texts[j]->column + 1;
          const std::uint64_t meta = words[cell];
          const std::size_t length =
              std::min<std::size_t>(layout::meta_length(meta), layout::kMaxStringBytes);
          const std::string_view text(reinterpret_cast<const char*>(&words[cell + 1]), length);
          good = good && words[texts[j]->column] == k && text_is(k + j, text);
        }
        if (!good) ++result.torn;
      }
      if (k != last_k) ++result.distinct;
      last_k = k;
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  } catch (const std::exception& e) {
    set_error(result, e.what());
  }
  report(fd, result);
  std::_Exit(0);
}

// ---- Ring follower process ----
[[noreturn]] void follower_main(const std::string& name, Control* control, int fd) {
  FollowerResult r;
  try {
    const Client client = Client::open(coretest::open_options(name));
    RingFollower follower(client);
    Batch b;
    bool have_ring_position = false;
    std::uint64_t last_ring_position = 0;
    // Follow until the parent says the readers are done and enough batches came from the ring
    // itself (with 6 processes on 2 cores the follower is mostly lapped while readers run).
    const auto cap = Clock::now() + std::chrono::seconds(30);
    while ((control->stop_follower.load(std::memory_order_relaxed) == 0 ||
            r.ring_batches < kMinRingBatches) &&
           Clock::now() < cap) {
      const std::uint64_t before = follower.position();
      ++r.polls;
      switch (follower.poll(b)) {
        case PollResult::kIdle:
          ++r.idle;
          ::sched_yield();  // let the writer run
          break;
        case PollResult::kBusy:
          ++r.busy;
          break;
        case PollResult::kCorrupt:
          ++r.corrupt;
          break;
        case PollResult::kBatch:
          // A snapshot's position is the head it resumes from: the next ring batch has that
          // position. Ring batches themselves must be strictly increasing and gap-free between
          // snapshots (the follower's cursor).
          if (!b.from_value_table && have_ring_position && b.position <= last_ring_position) {
            ++r.order_violations;
          }
          if (b.from_value_table) {
            ++r.snapshots;
            if (b.lost_batches > 0) {
              ++r.laps;
              r.lost_total += b.lost_batches;
              if (b.lost_batches != b.position - before) {
                if (r.lost_mismatch == 0) {
                  r.first_mismatch_reported = b.lost_batches;
                  r.first_mismatch_actual = b.position - before;
                }
                ++r.lost_mismatch;
              }
            }
            if (b.position < before) ++r.order_violations;
            // Snapshot strings come from the value table: each must be one whole write.
            for (const StringDelta& s : b.strings) {
              if (!text_self_consistent(s.text)) ++r.content_violations;
            }
            if (!b.full_snapshot) ++r.content_violations;
          } else {
            ++r.ring_batches;
            bool good = b.position == before && b.tick == b.position && b.part == 0 &&
                        b.part_count == 1 && !b.full_snapshot && b.lost_batches == 0 &&
                        b.values.size() == 1 && b.strings.size() == 1;
            good = good && b.values[0].id == MetricId::mem_free &&
                   b.values[0].bits == ring_value(b.position) &&
                   b.strings[0].id == MetricId::kern_hostname &&
                   text_is(b.position, b.strings[0].text);
            if (!good) ++r.content_violations;
          }
          if (!b.from_value_table) {
            have_ring_position = true;
            last_ring_position = b.position;
          }
          r.last_position = b.position;
          break;
      }
    }
    if (follower.corrupt_count() != r.corrupt || follower.lapped_count() != r.laps) {
      ++r.content_violations;
    }
  } catch (const std::exception& e) {
    set_error(r, e.what());
  }
  report(fd, r);
  std::_Exit(0);
}

// Reads one record from `fd`, waiting at most until `deadline`.
template <class T>
bool read_result(int fd, T& out, Clock::time_point deadline) {
  auto* bytes = reinterpret_cast<char*>(&out);
  std::size_t got = 0;
  while (got < sizeof out) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    const ssize_t r = ::read(fd, bytes + got, sizeof out - got);
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

struct Child {
  pid_t pid = -1;
  int fd = -1;
};

// Forks `body(write_fd)`; the parent keeps the read end.
template <class Body>
Child spawn(Body&& body) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::close(fds[0]);
    body(fds[1]);  // [[noreturn]]: every child body ends in _exit
    std::_Exit(3);
  }
  ::close(fds[1]);
  return {pid, fds[0]};
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(Stress, MultiProcessReadersNeverSeeTornValues) {
  constexpr int kReaders = 4;
  const std::uint64_t total = total_reads();
  const std::uint64_t per_reader = (total + kReaders - 1) / kReaders;
  const std::string name = coretest::unique_segment_name("st");
  const auto deadline = Clock::now() + std::chrono::seconds(240);

  void* page =
      ::mmap(nullptr, sizeof(Control), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(page, MAP_FAILED);
  auto* control = new (page) Control;

  std::vector<pid_t> all_pids;
  const auto kill_all = [&] {
    for (const pid_t p : all_pids) ::kill(p, SIGKILL);
  };

  const Child writer = spawn([&](int fd) { writer_main(name, control, fd); });
  all_pids.push_back(writer.pid);
  char ready = 0;
  if (!read_result(writer.fd, ready, Clock::now() + std::chrono::seconds(30)) || ready != 'R') {
    kill_all();
    FAIL() << "writer did not come up (exit " << wait_exit(writer.pid) << ")";
  }

  const auto t0 = Clock::now();
  std::vector<Child> readers;
  for (int i = 0; i < kReaders; ++i) {
    readers.push_back(spawn([&, i](int fd) { reader_main(name, i, per_reader, fd); }));
    all_pids.push_back(readers.back().pid);
  }
  const Child follower = spawn([&](int fd) { follower_main(name, control, fd); });
  all_pids.push_back(follower.pid);

  ReaderResult sum;
  bool all_reported = true;
  for (int i = 0; i < kReaders; ++i) {
    ReaderResult r;
    if (!read_result(readers[static_cast<std::size_t>(i)].fd, r, deadline)) {
      all_reported = false;
      ADD_FAILURE() << "reader " << i << " did not report before the deadline";
      continue;
    }
    EXPECT_EQ(r.error, 0) << "reader " << i << ": " << r.message;
    EXPECT_EQ(r.torn, 0u) << "reader " << i << " saw torn values";
    EXPECT_EQ(r.unexpected, 0u) << "reader " << i << " got statuses other than OK/busy";
    // Each change seen is a publish the reader raced (on 2 cores the readers share one core, so
    // they overlap the writer only part of the time): proof that the checks ran under writes.
    EXPECT_GT(r.distinct, 100u) << "reader " << i << " saw the values change";
    EXPECT_EQ(r.calls, per_reader);
    std::printf(
        "  reader %d: %llu reads (%llu ok, %llu busy, %llu torn) in %.2f s, %llu value "
        "changes seen\n",
        i, static_cast<unsigned long long>(r.calls), static_cast<unsigned long long>(r.ok),
        static_cast<unsigned long long>(r.busy), static_cast<unsigned long long>(r.torn), r.seconds,
        static_cast<unsigned long long>(r.distinct));
    sum.calls += r.calls;
    sum.ok += r.ok;
    sum.busy += r.busy;
    sum.torn += r.torn;
    sum.unexpected += r.unexpected;
  }
  const double reader_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  control->stop_follower.store(1);
  FollowerResult f;
  const bool follower_reported = read_result(follower.fd, f, deadline);
  control->stop_writer.store(1);
  if (!all_reported || !follower_reported) kill_all();
  for (const Child& c : readers) EXPECT_EQ(wait_exit(c.pid), 0);
  EXPECT_EQ(wait_exit(follower.pid), 0);
  EXPECT_EQ(wait_exit(writer.pid), 0) << "writer exit status";
  const std::uint64_t iterations = control->writer_iterations.load();
  const std::uint64_t batches = control->batches_published.load();

  std::printf(
      "stress: %llu reads by %d processes in %.2f s (%.1f M reads/s): %llu ok, %llu torn, "
      "%llu busy; writer: %llu iterations (%llu slot writes), %llu ring batches\n",
      static_cast<unsigned long long>(sum.calls), kReaders, reader_seconds,
      static_cast<double>(sum.calls) / reader_seconds / 1e6,
      static_cast<unsigned long long>(sum.ok), static_cast<unsigned long long>(sum.torn),
      static_cast<unsigned long long>(sum.busy), static_cast<unsigned long long>(iterations),
      static_cast<unsigned long long>(iterations * (kScalarIds.size() + kTextIds.size() + 1)),
      static_cast<unsigned long long>(batches));
  std::printf(
      "follower: %llu polls, %llu ring batches, %llu snapshots, %llu laps, %llu lost, "
      "%llu lost-count mismatches, %llu corrupt, %llu busy, %llu order / %llu content "
      "violations\n",
      static_cast<unsigned long long>(f.polls), static_cast<unsigned long long>(f.ring_batches),
      static_cast<unsigned long long>(f.snapshots), static_cast<unsigned long long>(f.laps),
      static_cast<unsigned long long>(f.lost_total),
      static_cast<unsigned long long>(f.lost_mismatch), static_cast<unsigned long long>(f.corrupt),
      static_cast<unsigned long long>(f.busy), static_cast<unsigned long long>(f.order_violations),
      static_cast<unsigned long long>(f.content_violations));

  ASSERT_TRUE(all_reported);
  EXPECT_EQ(sum.torn, 0u);
  EXPECT_GE(sum.calls, total);
  EXPECT_GT(sum.ok, sum.calls / 2) << "most reads succeed";
  EXPECT_GT(iterations, 1000u) << "the writer kept writing while readers read";

  ASSERT_TRUE(follower_reported);
  EXPECT_EQ(f.error, 0) << f.message;
  EXPECT_GE(f.ring_batches, kMinRingBatches) << "the follower read batches from the ring";
  EXPECT_EQ(f.corrupt, 0u) << "every batch verifies";
  EXPECT_EQ(f.order_violations, 0u) << "positions strictly increase";
  EXPECT_EQ(f.content_violations, 0u);
  EXPECT_EQ(f.lost_mismatch, 0u) << "a lap reported " << f.first_mismatch_reported
                                 << " lost batches but skipped " << f.first_mismatch_actual;
  EXPECT_LE(f.last_position, batches);

  control->~Control();
  ::munmap(page, sizeof(Control));
}

}  // namespace
}  // namespace sysring
