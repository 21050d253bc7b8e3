// One client of the chaos soak (tests/soak/soak.py starts 32 readers and 4 followers):
//
//   soak_reader --mode reader|follower --segment NAME --out FILE [--seconds S] [--period-ms MS]
//               [--lap-every-s S --lap-pause-ms MS]
//
// It attaches to the broker whenever one is there, reads the soak's instances as a program
// would (handles, whole families, the whole table, or the delta ring), checks every value
// (value_audit.hpp), notes each health change and re-attach (attachment.hpp) and, on SIGTERM or
// after S seconds, writes a JSON summary to FILE and exits 0. Exit 2: bad arguments.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "attachment.hpp"
#include "loss_proof.hpp"
#include "soak_encoding.hpp"
#include "sysring/ring_follower.hpp"
#include "value_audit.hpp"

namespace sysring::soak {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_stop(int) {
  g_stop = 1;
}

struct Options {
  std::string mode;
  std::string segment;
  std::string out;
  double seconds = 3600;
  unsigned period_ms = 10;
  double lap_every_s = 0;     // follower: pause this often (0: never) ...
  unsigned lap_pause_ms = 0;  // ... for this long, so the broker laps it
};

constexpr std::uint32_t kCpus = 4;                 // the fixture's possible CPUs
constexpr std::uint32_t kHandleFields[] = {0, 2};  // user and system, read through handles
constexpr std::uint32_t kFamilyField = 3;          // idle, read as a whole family
constexpr int kWholeTableEvery = 10;               // iterations between read_all checks

MetricId cpu_field(std::uint32_t field) {
  return static_cast<MetricId>(static_cast<std::uint32_t>(MetricId::cpu_time_user) + field);
}

void sleep_ms(unsigned ms) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(ms / 1000);
  ts.tv_nsec = static_cast<long>(ms % 1000) * 1'000'000;
  nanosleep(&ts, nullptr);
}

class ReaderLoop {
 public:
  ReaderLoop(Client& c, Tally& tally, ValueAudit& audit, Attachment& att)
      : c_(c), tally_(tally), audit_(audit), att_(att) {}

  void iteration(std::uint64_t n) {
    read_handles();
    read_families();
    if (n % kWholeTableEvery == 0) read_whole_table();
  }

 private:
  void count(ReadStatus st) { ++tally_.statuses[to_string(st)]; }

  void read_handles() {
    for (std::uint32_t cpu = 0; cpu < kCpus; ++cpu) {
      for (std::size_t i = 0; i < std::size(kHandleFields); ++i) {
        std::optional<InstanceHandle>& h = handles_[cpu][i];
        const std::string name = "cpu" + std::to_string(cpu);
        if (!h || h->epoch != c_.epoch()) h = c_.bind(cpu_field(kHandleFields[i]), name);
        if (!h) continue;
        Scalar v;
        const ReadStatus st = c_.read(*h, v);
        count(st);
        if (st == ReadStatus::kOk) {
          audit_.cpu_time(name, kHandleFields[i], h->registration, v.read_time_ns, v.bits);
          att_.read_ok();
        } else if (st == ReadStatus::kGone) {
          h.reset();
        }
      }
    }
  }

  void read_families() {
    c_.read_family(cpu_field(kFamilyField), family_);
    for (const InstanceValue& v : family_.values) {
      count(v.status);
      if (v.status != ReadStatus::kOk) continue;
      audit_.cpu_time(v.instance->name, kFamilyField, v.instance->registration,
                      v.value.read_time_ns, v.value.bits);
      att_.read_ok();
    }
    for (const bool is_size : {true, false}) {
      c_.read_family(is_size ? MetricId::fs_size_bytes : MetricId::fs_files, family_);
      for (const InstanceValue& v : family_.values) {
        count(v.status);
        const std::string* mountpoint = v.instance->label("mountpoint");
        if (v.status == ReadStatus::kOk && mountpoint != nullptr) {
          audit_.fs_value(*mountpoint, is_size, v.value.bits);
        }
      }
    }
    c_.read_family(MetricId::netif_mtu, family_);
    for (const InstanceValue& v : family_.values) {
      count(v.status);
      if (v.status == ReadStatus::kOk) audit_.netif_mtu(v.instance->name, v.value.bits);
    }
  }

  // Every CPU row of one consistent copy of the table: each field from its own instance, and
  // all of a row's fields from the same fixture write (the broker reads the line once).
  void read_whole_table() {
    const auto directory = c_.instances();
    if (!c_.read_all(snapshot_)) {
      count(ReadStatus::kBusy);
      return;
    }
    const DomainInfo* domain = c_.domain(InstanceDomain::Cpu);
    if (domain == nullptr) return;
    for (const Instance* i : directory->live(InstanceDomain::Cpu)) {
      if (snapshot_.registration(*domain, i->row) != (i->registration | layout::kRegistrationLive))
        continue;  // the copy is of another generation of the directory
      std::optional<std::uint64_t> row_counter;
      for (std::uint32_t f = 0; f < 10; ++f) {
        const Descriptor* d = c_.descriptor(cpu_field(f));
        if (d == nullptr) continue;
        Scalar v;
        const ReadStatus st = snapshot_.scalar(*d, i->row, v);
        count(st);
        if (st != ReadStatus::kOk) continue;
        audit_.cpu_time(i->name, f, i->registration, v.read_time_ns, v.bits);
        if (const auto code = decode_cpu(v.bits)) {
          if (!row_counter) row_counter = code->counter;
          audit_.same_publish(i->name, *row_counter, code->counter);
        }
      }
    }
  }

  Client& c_;
  Tally& tally_;
  ValueAudit& audit_;
  Attachment& att_;
  std::optional<InstanceHandle> handles_[kCpus][std::size(kHandleFields)];
  FamilyValues family_;
  ValueSnapshot snapshot_;
};

class FollowerLoop {
 public:
  FollowerLoop(Client& c, Tally& tally, ValueAudit& audit, Attachment& att)
      : c_(c), tally_(tally), audit_(audit), att_(att), follower_(c) {}

  void drain() {
    for (int polls = 0; polls < 10000; ++polls) {  // bounded: a broker cannot keep us here
      const std::uint64_t laps_before = follower_.lapped_count();
      switch (follower_.poll(batch_)) {
        case PollResult::kBatch:
          ++batches_;
          if (batch_.from_value_table) ++snapshots_;
          proof_.batch(batch_, c_.epoch(), follower_.lapped_count() != laps_before);
          check(batch_);
          att_.read_ok();
          break;
        case PollResult::kIdle:
          return;
        case PollResult::kBusy:
          ++tally_.statuses["follower_busy"];
          return;
        case PollResult::kCorrupt:
          tally_.error("follower_corrupt");
          break;
      }
    }
  }

  void write(std::ofstream& out) {
    proof_.settle_pending();
    out << ",\"follower\":{\"batches\":" << batches_ << ",\"snapshots\":" << snapshots_
        << ",\"lost_reported\":" << proof_.reported() << ",\"lost_proven\":" << proof_.proven()
        << ",\"lost_total\":" << follower_.lost_total() << ",\"laps\":" << proof_.laps()
        << ",\"silent_gaps\":" << proof_.silent_gaps() << ",\"replays\":" << proof_.replays()
        << ",\"corrupt\":" << follower_.corrupt_count() << "}";
  }

 private:
  void check(const Batch& b) {
    for (const Delta& d : b.values) {
      const auto field =
          static_cast<std::uint32_t>(d.id) - static_cast<std::uint32_t>(MetricId::cpu_time_user);
      if (field >= 10) continue;
      const InstanceEvent* i = follower_.instance(InstanceDomain::Cpu, d.row);
      if (i == nullptr) {
        tally_.error("follower_unnamed_row");
        continue;
      }
      audit_.cpu_time(i->name, field, i->registration, 0, d.bits);
    }
  }

  Client& c_;
  Tally& tally_;
  ValueAudit& audit_;
  Attachment& att_;
  RingFollower follower_;
  Batch batch_;
  LossProof proof_;
  std::uint64_t batches_ = 0, snapshots_ = 0;
};

void write_summary(const Options& o, const Tally& t, const Attachment& att, FollowerLoop* follower,
                   std::uint64_t iterations) {
  std::ofstream out(o.out + ".tmp", std::ios::trunc);
  out << "{\"mode\":\"" << o.mode << "\",\"pid\":" << getpid() << ",\"iterations\":" << iterations
      << ",\"reads\":" << t.reads << ",\"torn\":" << t.torn
      << ",\"wrong_instance\":" << t.wrong_instance << ",\"backwards\":" << t.backwards;
  // The problem text is ours (names and numbers), but quote-safe all the same.
  std::string problem;
  for (const char ch : t.first_problem) problem += (ch == '"' || ch == '\\') ? '\'' : ch;
  out << ",\"first_problem\":\"" << problem << "\"";
  const auto map = [&](const char* key, const std::map<std::string, std::uint64_t>& m) {
    out << ",\"" << key << "\":{";
    bool first = true;
    for (const auto& [k, v] : m) {
      out << (first ? "" : ",") << "\"" << k << "\":" << v;
      first = false;
    }
    out << "}";
  };
  map("statuses", t.statuses);
  map("errors", t.errors);
  out << ",\"health_changes\":[";
  for (std::size_t i = 0; i < att.changes().size(); ++i) {
    const HealthChange& h = att.changes()[i];
    out << (i ? "," : "") << "[" << h.pid << ",\"" << to_string(h.to) << "\"," << h.at_ns << ","
        << h.previous_check_ns << "," << h.check_start_ns << "]";
  }
  out << "],\"attaches\":[";
  for (std::size_t i = 0; i < att.attaches().size(); ++i) {
    const Attach& a = att.attaches()[i];
    out << (i ? "," : "") << "{\"pid\":" << a.pid << ",\"epoch\":" << a.epoch
        << ",\"segment_start_ns\":" << a.segment_start_ns << ",\"attached_ns\":" << a.attached_ns
        << ",\"first_read_ns\":" << a.first_read_ns
        << ",\"reattach\":" << (a.reattach ? "true" : "false") << "}";
  }
  out << "]";
  if (follower != nullptr) follower->write(out);
  out << "}\n";
  out.close();
  if (std::rename((o.out + ".tmp").c_str(), o.out.c_str()) != 0) {
    std::perror("soak_reader: summary");  // the soak reads a missing summary as a crash
  }
}

std::optional<Options> parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view key = argv[i];
    const std::string value = argv[i + 1];
    try {
      if (key == "--mode")
        o.mode = value;
      else if (key == "--segment")
        o.segment = value;
      else if (key == "--out")
        o.out = value;
      else if (key == "--seconds")
        o.seconds = std::stod(value);
      else if (key == "--period-ms")
        o.period_ms = static_cast<unsigned>(std::stoul(value));
      else if (key == "--lap-every-s")
        o.lap_every_s = std::stod(value);
      else if (key == "--lap-pause-ms")
        o.lap_pause_ms = static_cast<unsigned>(std::stoul(value));
      else
        return std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  if (argc % 2 == 0 || (o.mode != "reader" && o.mode != "follower") || o.segment.empty() ||
      o.out.empty() || o.seconds <= 0 || o.period_ms == 0) {
    return std::nullopt;
  }
  return o;
}

// A follower's pauses: every lap_every_s (0.5 to 1.5 times that, at random), lap_pause_ms long.
class LapPauses {
 public:
  LapPauses(const Options& o, std::uint64_t start)
      : every_ns_(o.lap_every_s * 1e9),
        pause_ns_(std::uint64_t{o.lap_pause_ms} * 1'000'000),
        next_(start + static_cast<std::uint64_t>(every_ns_)),
        random_(static_cast<std::uint64_t>(getpid()) * 7919) {}

  bool paused(std::uint64_t now) {
    if (every_ns_ > 0 && now >= next_) {
      until_ = now + pause_ns_;
      const double spread = 0.5 + static_cast<double>(random_() % 1000) / 1000.0;
      next_ = until_ + static_cast<std::uint64_t>(every_ns_ * spread);
    }
    return now < until_;
  }

 private:
  double every_ns_;
  std::uint64_t pause_ns_;
  std::uint64_t next_;
  std::uint64_t until_ = 0;
  std::mt19937_64 random_;
};

int run(const Options& o) {
  Tally tally;
  ValueAudit audit(tally);
  Attachment att(o.segment, tally);
  std::optional<ReaderLoop> reader;
  std::optional<FollowerLoop> follower;
  const std::uint64_t start = monotonic_ns();
  const auto deadline = start + static_cast<std::uint64_t>(o.seconds * 1e9);
  LapPauses pauses(o, start);
  std::uint64_t iterations = 0;
  while (g_stop == 0 && monotonic_ns() < deadline) {
    const bool paused = pauses.paused(monotonic_ns());
    Client* c = att.step();  // health and re-attach go on during a pause
    if (c != nullptr) {
      audit.new_epoch(c->epoch());
      try {
        if (o.mode == "reader") {
          if (!reader) reader.emplace(*c, tally, audit, att);
          reader->iteration(iterations);
        } else if (!paused) {
          if (!follower) follower.emplace(*c, tally, audit, att);
          follower->drain();
        } else {
          // Paused: the ring is left alone, but a re-attach is confirmed by a read as usual.
          Scalar v;
          if (c->read(MetricId::mem_total, v) == ReadStatus::kOk) att.read_ok();
        }
      } catch (const Error&) {
        tally.error("read_exception");  // a directory that failed validation, say
      }
    }
    ++iterations;
    sleep_ms(o.period_ms);
  }
  write_summary(o, tally, att, follower ? &*follower : nullptr, iterations);
  return 0;
}

}  // namespace
}  // namespace sysring::soak

int main(int argc, char** argv) {
  const auto options = sysring::soak::parse(argc, argv);
  if (!options) {
    (void)std::fprintf(stderr,
                       "soak_reader: usage: --mode reader|follower --segment NAME --out FILE "
                       "[--seconds S] [--period-ms MS] [--lap-every-s S --lap-pause-ms MS]\n");
    return 2;
  }
  struct sigaction action {};
  action.sa_handler = sysring::soak::on_stop;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  return sysring::soak::run(*options);
}
