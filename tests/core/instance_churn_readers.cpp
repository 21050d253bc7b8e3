// The churn readers. Each reads the writer's segment through libsysring until the churn is done
// and counts what it saw; a value under the wrong name or torn from two publishes is counted,
// never thrown, so that the parent can report every reader's numbers.
#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core_support.hpp"
#include "instance_churn.hpp"
#include "sysring/ring_follower.hpp"

namespace sysring::churn {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The directory, or nullptr when the broker kept changing it during every attempt (an Error of
// another kind, a directory that fails validation, is thrown on).
std::shared_ptr<const InstanceDirectory> directory_or_busy(const Client& client) {
  try {
    return client.instances();
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kBadSegment) throw;
    return nullptr;
  }
}

// A name keeps its instance id and an id its name, whatever comes and goes; counts the breaches.
class IdentityBook {
 public:
  // Returns false when (name, id) contradicts what was seen before.
  bool consistent(const std::string& name, std::uint32_t id) {
    const auto [by_name, new_name] = id_of_.try_emplace(name, id);
    const auto [by_id, new_id] = name_of_.try_emplace(id, name);
    return by_name->second == id && by_id->second == name;
  }
  // True the first time `name` is seen with `registration` after an earlier registration.
  bool came_back(const std::string& name, std::uint64_t registration) {
    auto [it, first] = registration_of_.try_emplace(name, registration);
    if (first || it->second == registration) return false;
    it->second = registration;
    return true;
  }

 private:
  std::unordered_map<std::string, std::uint32_t> id_of_;
  std::unordered_map<std::uint32_t, std::string> name_of_;
  std::unordered_map<std::string, std::uint64_t> registration_of_;
};

// ---- (a) handles bound from the directory, kept after their instance is gone ----

// One handle per (tenancy, family). Gone handles stay a while: the point is to read them after
// their row has been given to another instance.
struct HeldHandle {
  InstanceHandle handle;
  std::size_t family = 0;
  std::uint32_t instance_id = 0;
  std::uint64_t reused_hits = 0;
};

constexpr std::size_t kMaxHeld = 120;
constexpr std::uint64_t kEnoughReusedHits = 16;  // then the handle makes room for newer ones

class HandleReader {
 public:
  explicit HandleReader(const std::string& name)
      : client_(Client::open(coretest::open_options(name))),
        disk_(client_.domain(InstanceDomain::Disk)),
        row_owner_(disk_ ? disk_->capacity : 0, 0) {
    if (disk_ == nullptr) throw std::runtime_error("no disk domain");
  }

  HandleReaderResult run(const Control& control) {
    const auto t0 = Clock::now();
    while (control.churn_done.load() == 0) {
      if (!directory_ || client_.directory_generation() != directory_->generation) {
        auto fresh = directory_or_busy(client_);
        if (!fresh) {
          ++r_.directory_busy;
          continue;
        }
        directory_ = std::move(fresh);
        take(*directory_);
      }
      for (HeldHandle& h : held_) read(h);
      prune();
    }
    r_.seconds = seconds_since(t0);
    return r_;
  }

 private:
  // A new directory: who holds each row now, which tenancies are live, handles for new ones.
  void take(const InstanceDirectory& directory) {
    ++r_.directories;
    live_.clear();
    std::fill(row_owner_.begin(), row_owner_.end(), 0);
    for (const Instance& i : directory.instances) {
      if (i.domain != InstanceDomain::Disk) continue;
      if (!book_.consistent(i.name, i.instance_id)) ++r_.id_changes;
      if (!i.live) continue;
      live_.insert(i.registration);
      if (i.row < row_owner_.size()) row_owner_[i.row] = i.registration;
      if (book_.came_back(i.name, i.registration)) ++r_.returns_seen;
      if (!bound_.insert(i.registration).second) continue;
      for (std::size_t f = 0; f < kFamilies.size(); ++f) {
        if (const auto h = client_.bind(kFamilies[f], i)) {
          held_.push_back({*h, f, i.instance_id, 0});
          ++r_.handles_bound;
        }
      }
    }
  }

  void read(HeldHandle& h) {
    ++r_.reads;
    Scalar v;
    switch (client_.read(h.handle, v)) {
      case ReadStatus::kOk:
        ++r_.ok;
        if (!belongs_to(v.bits, h.family, h.handle.registration, h.instance_id)) {
          ++r_.wrong_instance;
        }
        if (decode(v.bits).tick != tick_of(v.read_time_ns)) ++r_.torn;
        // The directory read before this said the instance was removed: the table it was
        // published after already said so too.
        if (live_.count(h.handle.registration) == 0) ++r_.ok_after_gone;
        break;
      case ReadStatus::kGone: {
        ++r_.gone;
        const std::uint64_t owner = row_owner_[h.handle.row];
        if (owner != 0 && owner != h.handle.registration) {
          ++r_.reused_row_gone;
          ++h.reused_hits;
        }
        break;
      }
      case ReadStatus::kBusy:
        ++r_.busy;
        break;
      default:
        ++r_.unexpected;
        break;
    }
  }

  // Handles are kept in registration order: the oldest gone ones leave first.
  void prune() {
    std::erase_if(held_, [](const HeldHandle& h) { return h.reused_hits >= kEnoughReusedHits; });
    std::size_t excess = held_.size() > kMaxHeld ? held_.size() - kMaxHeld : 0;
    std::erase_if(held_, [&](const HeldHandle& h) {
      if (excess == 0 || live_.count(h.handle.registration) != 0) return false;
      --excess;
      return true;
    });
  }

  Client client_;
  const DomainInfo* disk_;
  std::shared_ptr<const InstanceDirectory> directory_;
  std::vector<HeldHandle> held_;
  std::unordered_set<std::uint64_t> bound_;  // registrations with handles
  std::unordered_set<std::uint64_t> live_;   // live registrations in directory_
  std::vector<std::uint64_t> row_owner_;     // by row: the live registration, or 0
  IdentityBook book_;
  HandleReaderResult r_;
};

// ---- (b) read_family, and now and then the whole table ----

constexpr std::uint64_t kTableEvery = 8;  // read_family calls per read_all

class FamilyReader {
 public:
  explicit FamilyReader(const std::string& name)
      : client_(Client::open(coretest::open_options(name))),
        disk_(client_.domain(InstanceDomain::Disk)) {
    if (disk_ == nullptr) throw std::runtime_error("no disk domain");
    for (std::size_t f = 0; f < kFamilies.size(); ++f) {
      descriptors_[f] = client_.descriptor(kFamilies[f]);
      if (descriptors_[f] == nullptr) throw std::runtime_error("a churn family is not published");
    }
  }

  FamilyReaderResult run(const Control& control) {
    const auto t0 = Clock::now();
    while (control.churn_done.load() == 0) {
      const std::size_t f = r_.calls % kFamilies.size();
      ++r_.calls;
      try {
        client_.read_family(kFamilies[f], values_[f]);
      } catch (const Error& e) {
        if (e.code() == ErrorCode::kBadSegment) throw;
        ++r_.directory_busy;
        continue;
      }
      check_family(f, values_[f]);
      if (r_.calls % kTableEvery == 0) check_table();
    }
    r_.seconds = seconds_since(t0);
    return r_;
  }

 private:
  // Every value is its instance's, and all come from one publish (one tick).
  void check_family(std::size_t f, const FamilyValues& family) {
    bool have_tick = false;
    std::uint64_t tick = 0;
    for (const InstanceValue& v : family.values) {
      ++r_.values;
      switch (v.status) {
        case ReadStatus::kOk: {
          ++r_.ok;
          const Instance& i = *v.instance;
          if (!belongs_to(v.value.bits, f, i.registration, i.instance_id)) ++r_.wrong_instance;
          const std::uint64_t t = decode(v.value.bits).tick;
          if (t != tick_of(v.value.read_time_ns) || (have_tick && t != tick)) ++r_.torn;
          have_tick = true;
          tick = t;
          break;
        }
        case ReadStatus::kGone:
          ++r_.gone;
          break;
        case ReadStatus::kBusy:
          ++r_.busy;
          break;
        default:
          ++r_.unexpected;
          break;
      }
    }
  }

  // Without the directory: every live row's values carry the row's registration word.
  void check_table() {
    if (!client_.read_all(snapshot_)) {
      ++r_.busy;
      return;
    }
    ++r_.table_copies;
    bool have_tick = false;
    std::uint64_t tick = 0;
    for (std::uint32_t row = 0; row < disk_->capacity; ++row) {
      const std::uint64_t word = snapshot_.registration(*disk_, row);
      if ((word & layout::kRegistrationLive) == 0) continue;
      ++r_.table_rows;
      for (std::size_t f = 0; f < kFamilies.size(); ++f) {
        Scalar v;
        if (snapshot_.scalar(*descriptors_[f], row, v) != ReadStatus::kOk) {
          ++r_.unexpected;
          continue;
        }
        const Stamp s = decode(v.bits);
        if (s.family_tag != f + 1 ||
            s.registration != (word & layout::kRegistrationMask & kRegistrationBits)) {
          ++r_.table_wrong;
        }
        if (s.tick != tick_of(v.read_time_ns) || (have_tick && s.tick != tick)) ++r_.torn;
        have_tick = true;
        tick = s.tick;
      }
    }
  }

  Client client_;
  const DomainInfo* disk_;
  std::array<const Descriptor*, kFamilies.size()> descriptors_{};
  std::array<FamilyValues, kFamilies.size()> values_;
  ValueSnapshot snapshot_;
  FamilyReaderResult r_;
};

// ---- (c) the ring ----

constexpr auto kMaxDrain = std::chrono::seconds(30);
constexpr std::uint64_t kBatchesBetweenStalls = 256;
constexpr auto kMaxStall = std::chrono::seconds(2);

class Follower {
 public:
  explicit Follower(const std::string& name, FollowerOptions options = {})
      : options_(options),
        client_(Client::open(coretest::open_options(name))),
        follower_(client_),
        disk_(client_.domain(InstanceDomain::Disk)),
        tenant_(disk_ ? disk_->capacity : 0, 0) {
    if (disk_ == nullptr) throw std::runtime_error("no disk domain");
  }

  // Follows until the churn is done and the ring is drained.
  FollowerResult run(const Control& control) {
    Batch b;
    auto deadline = Clock::time_point::max();  // set once the churn is done
    while (Clock::now() < deadline) {
      const bool done = control.churn_done.load() != 0;
      if (done && deadline == Clock::time_point::max()) deadline = Clock::now() + kMaxDrain;
      const std::uint64_t before = follower_.position();
      ++r_.polls;
      const PollResult polled = follower_.poll(b);
      if (polled == PollResult::kIdle) {
        ++r_.idle;
        if (done) break;  // the writer ticks no more: everything was read
        continue;
      }
      if (polled == PollResult::kBusy) {
        ++r_.busy;
        continue;
      }
      if (polled == PollResult::kCorrupt) {
        ++r_.corrupt;
        continue;
      }
      if (b.from_value_table) {
        take_snapshot(b, before);
      } else {
        take_ring_batch(b, before);
        if (options_.get_lapped && r_.ring_batches % kBatchesBetweenStalls == 0) {
          stall_until_lapped(control);
        }
      }
      r_.last_position = b.position;
    }
    if (follower_.corrupt_count() != r_.corrupt || follower_.lapped_count() != r_.laps) {
      ++r_.order_violations;
    }
    return r_;
  }

 private:
  // Waits until the writer has ticked twice the ring's slots past this point (or stopped), so
  // the next poll finds its cursor overwritten.
  void stall_until_lapped(const Control& control) const {
    const std::uint64_t target = control.ticks.load() + 2 * client_.ring_slot_count();
    const auto give_up = Clock::now() + kMaxStall;
    while (control.ticks.load() < target && control.churn_done.load() == 0 &&
           Clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }

  // A snapshot restarts the per-row bookkeeping from its Added events. Its table copy may be
  // newer than the head it resumes from: ring batches up to the copy's tick are replays.
  void take_snapshot(const Batch& b, std::uint64_t before) {
    ++r_.snapshots;
    if (b.lost_batches > 0) {
      ++r_.laps;
      r_.lost_total += b.lost_batches;
      if (b.lost_batches != b.position - before) {
        if (r_.lost_mismatch == 0) {
          r_.first_mismatch_reported = b.lost_batches;
          r_.first_mismatch_actual = b.position - before;
        }
        ++r_.lost_mismatch;
      }
    }
    if (b.position < before || !b.full_snapshot) ++r_.order_violations;
    std::fill(tenant_.begin(), tenant_.end(), 0);
    for (const InstanceEvent& e : b.events) {
      if (e.domain != InstanceDomain::Disk) continue;
      if (e.kind != InstanceEventKind::kAdded || e.row >= tenant_.size()) {
        ++r_.event_violations;
        continue;
      }
      tenant_[e.row] = e.registration;
      if (!book_.consistent(e.name, e.instance_id)) ++r_.id_changes;
      book_.came_back(e.name, e.registration);
    }
    bool have_tick = false;
    std::uint64_t tick = 0;
    for (const Delta& d : b.values) {
      if (!check_value(d, false)) continue;
      const std::uint64_t t = decode(d.bits).tick;
      if (have_tick && t != tick) ++r_.torn;
      have_tick = true;
      tick = t;
    }
    // Without a value to date the copy by (no instance was live in both the directory and the
    // table), the batch in flight at the head is the newest the copy can hold.
    replay_through_ = have_tick ? tick : b.position;
    last_tick_ = 0;
    have_last_tick_ = false;
  }

  void take_ring_batch(const Batch& b, std::uint64_t before) {
    ++r_.ring_batches;
    if (b.position != before || b.lost_batches != 0 || b.full_snapshot) ++r_.order_violations;
    // Ticks increase from batch to batch; the parts of one split tick share it.
    if (have_last_tick_ && (b.tick < last_tick_ || (b.tick == last_tick_ && b.part == 0))) {
      ++r_.order_violations;
    }
    have_last_tick_ = true;
    last_tick_ = b.tick;
    const bool replay = b.tick <= replay_through_;
    if (replay) ++r_.replayed_batches;
    for (const InstanceEvent& e : b.events) {
      if (replay) {
        replay_event(e);
      } else {
        apply_event(e);
      }
    }
    for (const Delta& d : b.values) {
      if (check_value(d, replay) && decode(d.bits).tick != tick_of(b.timestamp_ns)) ++r_.torn;
    }
  }

  void apply_event(const InstanceEvent& e) {
    if (e.domain != InstanceDomain::Disk || e.row >= tenant_.size()) {
      ++r_.event_violations;
      return;
    }
    if (e.kind == InstanceEventKind::kAdded) {
      ++r_.added;
      if (tenant_[e.row] != 0) ++r_.event_violations;  // the row's tenant was never removed
      tenant_[e.row] = e.registration;
      if (e.registration <= last_added_) ++r_.registration_regressions;
      last_added_ = e.registration;
      if (!book_.consistent(e.name, e.instance_id)) ++r_.id_changes;
      if (book_.came_back(e.name, e.registration)) ++r_.returns;
    } else {
      ++r_.removed;
      if (tenant_[e.row] != e.registration) ++r_.event_violations;
      tenant_[e.row] = 0;
    }
  }

  // An event the snapshot may already reflect (or that its directory had not yet): applied as
  // the follower tracks rows, which ends in the state of the snapshot's table copy.
  void replay_event(const InstanceEvent& e) {
    if (e.domain != InstanceDomain::Disk || e.row >= tenant_.size()) {
      ++r_.event_violations;
      return;
    }
    if (!book_.consistent(e.name, e.instance_id)) ++r_.id_changes;
    if (e.kind == InstanceEventKind::kAdded) {
      tenant_[e.row] = e.registration;
      last_added_ = std::max(last_added_, e.registration);
      book_.came_back(e.name, e.registration);
    } else if (tenant_[e.row] == e.registration) {
      tenant_[e.row] = 0;
    }
  }

  // Counts one value delta; true when it is a churn value named by its own instance.
  bool check_value(const Delta& d, bool replay) {
    const std::size_t f = family_index(d.id);
    if (f == kFamilies.size()) return false;  // not a churn family (there are none)
    ++r_.values;
    const InstanceEvent* who = follower_.instance(InstanceDomain::Disk, d.row);
    if (who == nullptr) {
      ++(replay ? r_.replay_unnamed : r_.unnamed);
      return false;
    }
    if (!belongs_to(d.bits, f, who->registration, who->instance_id)) {
      ++(replay ? r_.replay_wrong_instance : r_.wrong_instance);
      return false;
    }
    if (!replay && d.row < tenant_.size() && tenant_[d.row] != who->registration) {
      ++r_.event_violations;
    }
    return true;
  }

  FollowerOptions options_;
  Client client_;
  RingFollower follower_;
  const DomainInfo* disk_;
  std::vector<std::uint64_t> tenant_;  // by row: the registration our events put there, or 0
  IdentityBook book_;
  std::uint64_t last_added_ = 0;
  std::uint64_t replay_through_ = 0;  // the tick of the last snapshot's table copy
  bool have_last_tick_ = false;
  std::uint64_t last_tick_ = 0;
  FollowerResult r_;
};

template <class Result, class Reader, class... ReaderArgs>
Result run_guarded(const std::string& name, const Control& control, ReaderArgs... reader_args) {
  try {
    Reader reader(name, reader_args...);
    return reader.run(control);
  } catch (const std::exception& e) {
    Result r;
    set_error(r, e.what());
    return r;
  }
}

}  // namespace

HandleReaderResult run_handle_reader(const std::string& name, const Control& control) {
  return run_guarded<HandleReaderResult, HandleReader>(name, control);
}

FamilyReaderResult run_family_reader(const std::string& name, const Control& control) {
  return run_guarded<FamilyReaderResult, FamilyReader>(name, control);
}

FollowerResult run_follower(const std::string& name, const Control& control,
                            FollowerOptions options) {
  return run_guarded<FollowerResult, Follower>(name, control, options);
}

}  // namespace sysring::churn
