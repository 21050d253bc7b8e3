// The instance churn workload: a writer whose disk instances come and go every tick over a few
// rows, and readers that check no value ever reaches them under another instance's name. The
// bodies run in processes (instance_churn_stress_test) or threads (its in-process variant); they
// meet through a Control block and hand back fixed-size result records.
//
// Every value the writer publishes names its owner and its tick:
//
//   bit 63..62  family tag (1, 2, 3: which of kFamilies)
//   bit 61..40  registration (low 22 bits; a run makes far fewer than 2^22)
//   bit 39..24  instance id
//   bit 23..0   tick (the fake clock's tick, which the column's read time also gives)
//
// so a reader that holds an instance's registration and id can tell whose value it got, and a
// value whose tick disagrees with its column's read time was torn from another publish.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

#include "sysring/client.hpp"

namespace sysring::churn {

inline constexpr std::array<MetricId, 3> kFamilies = {
    MetricId::disk_read_bytes, MetricId::disk_write_bytes, MetricId::disk_io_in_progress};
// Few rows, so that the writer reuses each one as soon as its quarantine has passed.
inline constexpr std::uint32_t kDiskRows = 8;
inline constexpr std::uint64_t kSecond = 1'000'000'000ULL;
inline constexpr std::uint64_t kClockStart = 5'000 * kSecond;
// The fake clock advances one tick period per tick, so the quarantine (at least two ticks)
// passes after two ticks and every family (TTL 1 s) is due every tick.
inline constexpr std::uint64_t kTickNs = kSecond;

inline constexpr std::uint64_t kTickMask = (1ULL << 24) - 1;
inline constexpr std::uint64_t kIdMask = (1ULL << 16) - 1;
inline constexpr std::uint64_t kRegistrationBits = (1ULL << 22) - 1;

struct Stamp {
  std::uint64_t family_tag = 0;
  std::uint64_t registration = 0;  // low 22 bits
  std::uint64_t instance_id = 0;
  std::uint64_t tick = 0;
};

inline std::uint64_t encode(std::size_t family, std::uint64_t registration,
                            std::uint32_t instance_id, std::uint64_t tick) {
  return (std::uint64_t{family + 1} << 62) | ((registration & kRegistrationBits) << 40) |
         ((std::uint64_t{instance_id} & kIdMask) << 24) | (tick & kTickMask);
}

inline Stamp decode(std::uint64_t bits) {
  return {bits >> 62, (bits >> 40) & kRegistrationBits, (bits >> 24) & kIdMask, bits & kTickMask};
}

// The tick a read time belongs to (the writer stamps columns with the fake clock).
inline std::uint64_t tick_of(std::uint64_t time_ns) {
  return ((time_ns - kClockStart) / kTickNs) & kTickMask;
}

// Whether `bits`, read as family `family`, is the value of the tenancy (registration, id).
inline bool belongs_to(std::uint64_t bits, std::size_t family, std::uint64_t registration,
                       std::uint32_t instance_id) {
  const Stamp s = decode(bits);
  return s.family_tag == family + 1 && s.registration == (registration & kRegistrationBits) &&
         s.instance_id == (instance_id & kIdMask);
}

// Index of `id` in kFamilies, or kFamilies.size().
inline std::size_t family_index(MetricId id) {
  std::size_t i = 0;
  while (i < kFamilies.size() && kFamilies[i] != id) ++i;
  return i;
}

// Shared by the writer and the readers (in a MAP_SHARED page across processes).
struct Control {
  std::atomic<int> churn_done{0};   // the writer made its events; readers finish
  std::atomic<int> stop_writer{0};  // every reader reported; the writer closes the segment
  std::atomic<std::uint64_t> ticks{0};
};

// ---- Result records: trivially copyable, below PIPE_BUF ----
struct WriterResult {
  int error = 0;
  char message[160] = {};
  std::uint64_t ticks = 0, added = 0, removed = 0;
  std::uint64_t returns = 0;            // names that came back (a second tenancy or more)
  std::uint64_t new_names = 0;          // names the script introduced during the run
  std::uint64_t row_reuses = 0;         // a row taken by another registration than its last
  std::uint64_t refused = 0;            // presents that found no row (the pool was full)
  std::uint64_t id_changes = 0;         // a name whose instance id changed (must stay 0)
  std::uint64_t record_mismatches = 0;  // the row's record named another instance (must stay 0)
  double seconds = 0;
};

struct HandleReaderResult {
  int error = 0;
  char message[160] = {};
  std::uint64_t reads = 0, ok = 0, gone = 0, busy = 0, unexpected = 0;
  std::uint64_t torn = 0;             // a value's tick disagrees with its read time
  std::uint64_t wrong_instance = 0;   // kOk with another tenancy's value
  std::uint64_t ok_after_gone = 0;    // kOk although the directory read before said removed
  std::uint64_t reused_row_gone = 0;  // kGone read while another instance held the row
  std::uint64_t handles_bound = 0, directories = 0, directory_busy = 0;
  std::uint64_t id_changes = 0;    // a name listed with another instance id than before
  std::uint64_t returns_seen = 0;  // a name listed live again with a new registration
  double seconds = 0;
};

struct FamilyReaderResult {
  int error = 0;
  char message[160] = {};
  std::uint64_t calls = 0, values = 0, ok = 0, gone = 0, busy = 0, unexpected = 0;
  std::uint64_t torn = 0;            // ticks disagree within one read (or with the read time)
  std::uint64_t wrong_instance = 0;  // a value that is not its InstanceValue::instance's
  std::uint64_t table_copies = 0, table_rows = 0;
  std::uint64_t table_wrong = 0;  // a live row's value with another registration
  std::uint64_t directory_busy = 0;
  double seconds = 0;
};

struct FollowerResult {
  int error = 0;
  char message[160] = {};
  std::uint64_t polls = 0, ring_batches = 0, snapshots = 0, laps = 0, lost_total = 0;
  std::uint64_t lost_mismatch = 0, first_mismatch_reported = 0, first_mismatch_actual = 0;
  std::uint64_t corrupt = 0, busy = 0, idle = 0;
  std::uint64_t order_violations = 0;  // positions or ticks out of order
  std::uint64_t event_violations = 0;  // Added over a live row, Removed of another tenancy
  std::uint64_t added = 0, removed = 0, returns = 0;
  std::uint64_t id_changes = 0;                // a name with two ids, or an id with two names
  std::uint64_t registration_regressions = 0;  // an Added whose registration is not new
  std::uint64_t values = 0;
  std::uint64_t unnamed = 0;         // a value delta in a row no Added names
  std::uint64_t wrong_instance = 0;  // named by an Added of another instance
  std::uint64_t torn = 0;            // a value's tick is not its batch's
  // Of the above, those in ring batches older than the table copy of the last snapshot (the
  // follower replays them after a resynchronisation).
  std::uint64_t replayed_batches = 0, replay_wrong_instance = 0, replay_unnamed = 0;
  std::uint64_t last_position = 0;
};

template <class T>
void set_error(T& result, const char* what) {
  result.error = 1;
  std::snprintf(result.message, sizeof result.message, "%s", what);
}

struct WriterOptions {
  std::uint64_t events = 10'000;  // instance events (adds + removes) to make
  // Real time between two ticks; zero: back to back, as fast as the tick loop goes.
  std::chrono::microseconds tick_every{1000};
  // The churn stops after this long even if it made fewer events.
  std::chrono::seconds max_churn{150};
};

// Runs the churn over a new segment named `name` until `options.events` instance events were
// made (or options.max_churn passed); calls `ready` once the segment is live, sets
// control.churn_done, then waits for control.stop_writer before it closes the segment.
WriterResult run_writer(const std::string& name, Control& control, const WriterOptions& options,
                        const std::function<void()>& ready);
// The readers run until control.churn_done (the follower then drains the ring).
HandleReaderResult run_handle_reader(const std::string& name, const Control& control);
FamilyReaderResult run_family_reader(const std::string& name, const Control& control);
// With `get_lapped`, the follower stops reading now and then until the writer has published
// more ticks than the ring holds, so it is lapped however fast it reads on this machine.
struct FollowerOptions {
  bool get_lapped = false;
};
FollowerResult run_follower(const std::string& name, const Control& control,
                            FollowerOptions options = {});

}  // namespace sysring::churn
