#include "sysring/client.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "process_liveness.hpp"
#include "segment_validator.hpp"
#include "shm_object.hpp"
#include "sysring/errno_text.hpp"
#include "sysring/registry_data.hpp"

namespace sysring {

struct Client::Mapping {
  OpenOptions options;
  detail::UniqueFd object;
  detail::ReadOnlyMapping region;
  layout::HeaderFixed header_copy{};  // validated once; never re-read from shared memory
  detail::SegmentLayout sections;
  std::uint64_t device = 0, inode = 0;
  detail::DescriptorIndex index;
  std::vector<std::int32_t> index_by_id;     // id -> position in index.metrics, or -1
  std::vector<std::uint32_t> scalar_column;  // id -> a scalar's column, or kNoColumn
  // Descriptors are decoded when first asked for: all of them (descriptors()), or one.
  mutable std::once_flag all_once;
  mutable std::atomic<bool> all_decoded{false};
  mutable std::vector<Descriptor> all;
  mutable std::mutex one_mutex;
  mutable std::vector<std::unique_ptr<Descriptor>> one;  // by position, until `all` exists
  // The last directory copied, replaced when the generation moves.
  mutable std::mutex directory_mutex;
  mutable std::shared_ptr<const InstanceDirectory> directory;

  [[nodiscard]] const std::uint8_t* base() const {
    return static_cast<const std::uint8_t*>(region.address());
  }
  [[nodiscard]] const layout::Header& live() const {
    return *reinterpret_cast<const layout::Header*>(base());
  }
  [[nodiscard]] const std::vector<Descriptor>& descriptors() const {
    std::call_once(all_once, [this] {
      all.reserve(index.metrics.size());
      for (const detail::MetricEntry& e : index.metrics)
        all.push_back(detail::decode_descriptor(e));
      all_decoded.store(true, std::memory_order_release);
    });
    return all;
  }
  [[nodiscard]] const Descriptor* descriptor(MetricId id) const {
    const auto i = static_cast<std::uint16_t>(id);
    if (i >= index_by_id.size() || index_by_id[i] < 0) return nullptr;
    const auto position = static_cast<std::size_t>(index_by_id[i]);
    if (all_decoded.load(std::memory_order_acquire)) return &all[position];
    const std::lock_guard<std::mutex> lock(one_mutex);
    if (one.empty()) one.resize(index.metrics.size());
    if (!one[position]) {
      one[position] =
          std::make_unique<Descriptor>(detail::decode_descriptor(index.metrics[position]));
    }
    return one[position].get();
  }
  [[nodiscard]] const detail::MetricEntry* entry(MetricId id) const {
    const auto i = static_cast<std::uint16_t>(id);
    if (i >= index_by_id.size() || index_by_id[i] < 0) return nullptr;
    return &index.metrics[static_cast<std::size_t>(index_by_id[i])];
  }
};

namespace {

Error open_error(const std::string& name, int err) {
  switch (err) {
    case ENOENT:
      return {ErrorCode::kNotFound, "no sysring segment named " + name + " (is sysringd running?)"};
    case EACCES:
    case EPERM:
      return {ErrorCode::kPermission, "permission denied opening segment " + name};
    default:
      return {ErrorCode::kSystem, "cannot open segment " + name + ": " + errno_text(err)};
  }
}

// (device, inode) the name refers to now, or nullopt if it no longer exists or now holds
// something that is not a shm object (a FIFO planted there must not block the probe).
std::optional<std::pair<std::uint64_t, std::uint64_t>> identity_of(const std::string& name) {
  try {
    const detail::OpenedObject probe = detail::open_shm_object(name);
    if (!probe.fd.valid()) return std::nullopt;
    return std::pair<std::uint64_t, std::uint64_t>{probe.st.st_dev, probe.st.st_ino};
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace

std::uint64_t monotonic_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

std::unique_ptr<Client::Mapping> Client::map_and_validate(const OpenOptions& options) {
  validate_segment_name(options.name);
  auto m = std::make_unique<Client::Mapping>();
  m->options = options;
  // Non-blocking, no link followed, and anything but a shm object (a FIFO, directory, socket)
  // refused on the fstat of the descriptor we hold, before any call that could block.
  detail::OpenedObject opened = detail::open_shm_object(options.name);
  if (!opened.fd.valid()) throw open_error(options.name, opened.error);
  m->object = std::move(opened.fd);

  // The fstat of the object we hold, before mapping: owner, mode, type, size.
  const struct stat& st = opened.st;
  detail::check_file_policy(st, options.expected_owner);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  m->device = st.st_dev;
  m->inode = st.st_ino;

  m->region = detail::ReadOnlyMapping(m->object.get(), size);  // PROT_READ, MAP_SHARED
  if (!m->region.valid()) throw open_error(options.name, errno);

  // The state is release-stored after the immutable header: acquire it, then copy the header
  // once. A header still being written (state 0, magic 0 or already ours) is a broker creating
  // its segment: kNotLive, try again. Otherwise identity (magic, version) is judged before the
  // state, so a foreign object is reported as foreign, not as a broker still starting.
  const std::uint64_t state_word = m->live().state.load(std::memory_order_acquire);
  std::memcpy(&m->header_copy, m->base(), sizeof(layout::HeaderFixed));
  detail::check_not_being_created(m->header_copy, state_word);
  detail::check_identity(m->header_copy);
  const auto state = static_cast<layout::BrokerState>(state_word);
  if (state != layout::BrokerState::kInit && state != layout::BrokerState::kLive &&
      state != layout::BrokerState::kClosed) {
    throw Error(ErrorCode::kBadSegment,
                "corrupt or foreign segment: invalid state word " + std::to_string(state_word));
  }
  if (options.require_live && state != layout::BrokerState::kLive) {
    throw Error(ErrorCode::kNotLive,
                state == layout::BrokerState::kClosed
                    ? "broker closed segment " + options.name
                    : "broker has not finished starting segment " + options.name);
  }
  m->sections = detail::check_header(m->header_copy, size);

  // The descriptor FlatBuffer is verified and read from a private copy only.
  const auto& d = m->sections.descriptors;
  m->index = detail::check_descriptors(
      std::vector<std::uint8_t>(m->base() + d.offset, m->base() + d.offset + d.size),
      m->header_copy);

  const auto& metrics = m->index.metrics;
  const std::size_t id_count =
      metrics.empty() ? 1 : static_cast<std::size_t>(metrics.back().id) + 1;
  m->index_by_id.assign(id_count, -1);
  m->scalar_column.assign(id_count, kNoColumn);
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const auto id = static_cast<std::uint16_t>(metrics[i].id);
    m->index_by_id[id] = static_cast<std::int32_t>(i);
    if (metrics[i].domain == InstanceDomain::None) m->scalar_column[id] = metrics[i].column;
  }
  return m;
}

Client::Client(std::unique_ptr<Mapping> mapping) : mapping_(std::move(mapping)) {
  header_ = &mapping_->live();
  seq_ = &header_->values_seq;
  values_ =
      reinterpret_cast<const layout::Word*>(mapping_->base() + mapping_->sections.values.offset);
  stride_words_ = mapping_->header_copy.value_copy_bytes / layout::kWordBytes;
  scalar_column_ = mapping_->scalar_column.data();
  id_count_ = static_cast<std::uint32_t>(mapping_->scalar_column.size());
}

Client Client::open(const OpenOptions& options) {
  return Client(map_and_validate(options));
}

Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

ReadStatus Client::read_text(MetricId id, Text& out) const noexcept {
  const auto index = static_cast<std::uint32_t>(id);
  if (index >= id_count_ || scalar_column_[index] == kNoColumn) return ReadStatus::kNoSuchMetric;
  const std::uint32_t column = scalar_column_[index];
  static_assert(sizeof(out.bytes) == layout::kPayloadWords * sizeof(std::uint64_t));
  const detail::MetricEntry* d = mapping_->entry(id);
  if (d == nullptr || d->type != ValueType::String) {
    // Not a string column: the payload is one word; read it as a number's text would be wrong.
    Scalar scalar;
    const ReadStatus st = read_scalar_cell(column, scalar);
    return st == ReadStatus::kOk ? ReadStatus::kNoSuchMetric : st;
  }
  std::uint64_t time = 0;
  std::uint64_t meta = 0;
  std::uint64_t words[layout::kPayloadWords] = {};
  const bool consistent = latch::read(*seq_, values_, stride_words_, [&](const layout::Word* t) {
    time = seqlock::load(t[column]);
    meta = seqlock::load(t[column + 1]);
    latch::copy_words(t + column + 2, words, layout::kPayloadWords);
  });
  if (!consistent) return ReadStatus::kBusy;
  const ReadStatus status = status_of(layout::meta_status(meta));
  if (status != ReadStatus::kOk) return status;
  // The length is only trusted after validation, and bounded by the payload.
  out.read_time_ns = time;
  out.length = std::min<std::uint32_t>(layout::meta_length(meta), layout::kMaxStringBytes);
  std::memcpy(out.bytes, words, sizeof words);
  return ReadStatus::kOk;
}

ReadStatus Client::read_counter_cell(std::uint32_t column, std::uint64_t cell,
                                     std::uint32_t registration_word, std::uint64_t registration,
                                     CounterTotals& out) const noexcept {
  std::uint64_t reg = 0, time = 0, meta = 0, count = 0, enabled = 0, running = 0;
  const bool consistent = latch::read(*seq_, values_, stride_words_, [&](const layout::Word* t) {
    reg = seqlock::load(t[registration_word]);
    time = seqlock::load(t[column]);
    meta = seqlock::load(t[cell]);
    count = seqlock::load(t[cell + 1]);
    const bool is_counter = layout::meta_type(meta) == layout::kTypeCounter;
    // A scalar cell has one payload word: its neighbours belong to other cells.
    enabled = is_counter ? seqlock::load(t[cell + 2]) : 0;
    running = is_counter ? seqlock::load(t[cell + 3]) : 0;
  });
  if (!consistent) return ReadStatus::kBusy;
  if (registration != 0 && reg != (registration | layout::kRegistrationLive)) {
    return ReadStatus::kGone;
  }
  out = CounterTotals{count, enabled, running, time};
  return status_of(layout::meta_status(meta));
}

std::size_t Client::read_many(std::span<const MetricId> ids, std::span<Scalar> out,
                              std::span<ReadStatus> status) const noexcept {
  const std::size_t n = std::min({ids.size(), out.size(), status.size()});
  // Locals: stores through `out` might alias the members, which would force reloads.
  const std::uint32_t* const columns = scalar_column_;
  const std::uint32_t id_count = id_count_;
  std::size_t ok = 0;
  const bool consistent = latch::read(*seq_, values_, stride_words_, [&](const layout::Word* t) {
    ok = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const auto index = static_cast<std::uint32_t>(ids[i]);
      const std::uint32_t column = index < id_count ? columns[index] : kNoColumn;
      if (column == kNoColumn) {
        status[i] = ReadStatus::kNoSuchMetric;
        continue;
      }
      const std::uint64_t time = seqlock::load(t[column]);
      const std::uint64_t meta = seqlock::load(t[column + 1]);
      const std::uint64_t bits = seqlock::load(t[column + 2]);
      out[i] = Scalar{bits, static_cast<ValueType>(layout::meta_type(meta)), time};
      const ReadStatus st = status_of(layout::meta_status(meta));
      status[i] = st;
      ok += st == ReadStatus::kOk;
    }
  });
  if (!consistent) {
    for (std::size_t i = 0; i < n; ++i) status[i] = ReadStatus::kBusy;
    return 0;
  }
  return ok;
}

bool Client::read_all(ValueSnapshot& out) const noexcept {
  const std::size_t words = mapping_->header_copy.value_words;
  try {
    out.words_.resize(words);
  } catch (...) {
    return false;
  }
  std::uint64_t* dst = out.words_.data();
  return latch::read(*seq_, values_, stride_words_, [&](const layout::Word* t) {
    latch::copy_words(t, dst, words);
    out.sequence = seq_->load(std::memory_order_relaxed);
  });
}

ReadStatus ValueSnapshot::scalar(const Descriptor& family, std::uint32_t row,
                                 Scalar& out) const noexcept {
  const std::uint32_t cw = layout::cell_words(static_cast<std::uint8_t>(family.type));
  const std::uint64_t cell = layout::cell_offset(family.column, row, cw);
  if (cell + 1 >= words_.size()) return ReadStatus::kNoSuchMetric;
  const std::uint64_t meta = words_[cell];
  out = Scalar{words_[cell + 1], static_cast<ValueType>(layout::meta_type(meta)),
               words_[family.column]};
  return static_cast<ReadStatus>(static_cast<std::uint8_t>(layout::meta_status(meta)) & 3);
}

ReadStatus ValueSnapshot::counter(const Descriptor& family, std::uint32_t row,
                                  CounterTotals& out) const noexcept {
  const std::uint32_t cw = layout::cell_words(static_cast<std::uint8_t>(family.type));
  const std::uint64_t cell = layout::cell_offset(family.column, row, cw);
  if (cw < 4 || cell + 3 >= words_.size()) return ReadStatus::kNoSuchMetric;
  const std::uint64_t meta = words_[cell];
  out = CounterTotals{words_[cell + 1], words_[cell + 2], words_[cell + 3], words_[family.column]};
  return static_cast<ReadStatus>(static_cast<std::uint8_t>(layout::meta_status(meta)) & 3);
}

std::uint64_t ValueSnapshot::registration(const DomainInfo& domain,
                                          std::uint32_t row) const noexcept {
  const std::uint64_t word = std::uint64_t{domain.registration_column} + row;
  return row < domain.capacity && word < words_.size() ? words_[word] : 0;
}

// ---- Instances ----

std::shared_ptr<const InstanceDirectory> Client::instances() const {
  const std::uint64_t generation = directory_generation();
  std::lock_guard<std::mutex> lock(mapping_->directory_mutex);
  if (mapping_->directory && mapping_->directory->generation == generation) {
    return mapping_->directory;
  }
  const layout::HeaderFixed& h = mapping_->header_copy;
  const std::uint8_t* section = mapping_->base() + mapping_->sections.directory.offset;
  const std::uint64_t capacity = h.directory_bytes - sizeof(layout::DirectoryBufferHeader);
  std::vector<std::uint64_t> words(capacity / layout::kWordBytes);
  for (int attempt = 0; attempt < seqlock::kMaxReadAttempts; ++attempt) {
    const std::uint64_t g = directory_generation();
    if (g == 0) throw Error(ErrorCode::kNotLive, "the broker has not published instances yet");
    const auto* header = reinterpret_cast<const layout::DirectoryBufferHeader*>(
        section + layout::directory_buffer_offset(g, h.directory_bytes));
    const auto* payload = reinterpret_cast<const layout::Word*>(header + 1);
    const std::uint64_t length = seqlock::load(header->length);
    const std::uint64_t stamped = seqlock::load(header->generation);
    // Torn until validated: bound the copy by the buffer, not by the length.
    const std::uint64_t n = (std::min(length, capacity) + 7) / 8;
    latch::copy_words(payload, words.data(), n);
    std::atomic_thread_fence(std::memory_order_acquire);  // pairs with the writer's fence
    if (directory_generation() != g) {
      seqlock::cpu_relax();
      continue;  // the broker moved on meanwhile: copy again
    }
    if (stamped != g || length > capacity) {
      throw Error(ErrorCode::kBadSegment,
                  "corrupt or foreign segment: instance directory buffer "
                  "does not hold the current generation");
    }
    auto dir = std::make_shared<InstanceDirectory>(detail::decode_directory(
        {reinterpret_cast<const std::uint8_t*>(words.data()), length}, g, mapping_->index.domains));
    mapping_->directory = dir;
    return dir;
  }
  throw Error(ErrorCode::kSystem, "the instance directory kept changing while being read");
}

std::optional<InstanceHandle> Client::bind(MetricId family, const Instance& instance) const {
  const detail::MetricEntry* d = mapping_->entry(family);
  if (d == nullptr || d->domain == InstanceDomain::None || d->domain != instance.domain ||
      !instance.live) {
    return std::nullopt;
  }
  const DomainInfo& domain = mapping_->index.domains[domain_index(d->domain)];
  if (instance.row >= domain.capacity) return std::nullopt;
  InstanceHandle h;
  h.family = family;
  h.domain = d->domain;
  h.row = instance.row;
  h.registration = instance.registration;
  h.epoch = mapping_->header_copy.epoch;
  h.column = d->column;
  h.cell = static_cast<std::uint32_t>(layout::cell_offset(
      d->column, instance.row, layout::cell_words(static_cast<std::uint8_t>(d->type))));
  h.registration_word = domain.registration_column + instance.row;
  h.type = d->type;
  return h;
}

std::optional<InstanceHandle> Client::bind(MetricId family, std::string_view instance) const {
  const detail::MetricEntry* d = mapping_->entry(family);
  if (d == nullptr || d->domain == InstanceDomain::None) return std::nullopt;
  const auto dir = instances();
  const Instance* found = dir->find(d->domain, instance);
  if (found == nullptr) return std::nullopt;
  return bind(family, *found);
}

ReadStatus Client::read(const InstanceHandle& h, Scalar& out) const noexcept {
  if (h.epoch != mapping_->header_copy.epoch) return ReadStatus::kGone;
  std::uint64_t reg = 0, time = 0, meta = 0, bits = 0;
  const bool consistent = latch::read(*seq_, values_, stride_words_, [&](const layout::Word* t) {
    reg = seqlock::load(t[h.registration_word]);
    time = seqlock::load(t[h.column]);
    meta = seqlock::load(t[h.cell]);
    bits = seqlock::load(t[h.cell + 1]);
  });
  if (!consistent) return ReadStatus::kBusy;
  if (reg != (h.registration | layout::kRegistrationLive)) return ReadStatus::kGone;
  out = Scalar{bits, static_cast<ValueType>(layout::meta_type(meta)), time};
  return status_of(layout::meta_status(meta));
}

ReadStatus Client::read_counter(const InstanceHandle& h, CounterTotals& out) const noexcept {
  if (h.epoch != mapping_->header_copy.epoch) return ReadStatus::kGone;
  return read_counter_cell(h.column, h.cell, h.registration_word, h.registration, out);
}

FamilyValues Client::read_family(MetricId family) const {
  FamilyValues out;
  read_family(family, out);
  return out;
}

void Client::read_family(MetricId family, FamilyValues& out) const {
  const detail::MetricEntry* d = mapping_->entry(family);
  if (d == nullptr || d->domain == InstanceDomain::None) {
    out.values.clear();
    out.family = MetricId::None;
    return;
  }
  // The instance list is rebuilt only when the family or the directory changed.
  if (out.family != family || !out.directory || out.rows.size() != out.values.size() ||
      out.directory->generation != directory_generation()) {
    out.directory = instances();
    out.family = family;
    out.values.clear();
    out.rows.clear();
    const auto& all = out.directory->instances;  // sorted by domain, then row
    const auto first =
        std::lower_bound(all.begin(), all.end(), d->domain,
                         [](const Instance& i, InstanceDomain dom) { return i.domain < dom; });
    for (auto it = first; it != all.end() && it->domain == d->domain; ++it) {
      if (!it->live) continue;
      out.values.push_back(InstanceValue{&*it, ReadStatus::kEmpty, {}, {}});
      out.rows.push_back({it->row, it->registration | layout::kRegistrationLive});
    }
  }
  const DomainInfo& domain = mapping_->index.domains[domain_index(d->domain)];
  const std::uint32_t cw = layout::cell_words(static_cast<std::uint8_t>(d->type));
  const bool counter = d->type == ValueType::Counter;
  const std::uint32_t column = d->column;
  const std::uint32_t registrations = domain.registration_column;
  const bool consistent = latch::read(*seq_, values_, stride_words_, [&](const layout::Word* t) {
    const std::uint64_t time = seqlock::load(t[column]);
    const std::size_t n = out.values.size();
    for (std::size_t i = 0; i < n; ++i) {
      const FamilyValues::Row key = out.rows[i];
      InstanceValue& v = out.values[i];
      const std::uint64_t reg = seqlock::load(t[registrations + key.row]);
      const std::uint64_t cell = layout::cell_offset(column, key.row, cw);
      const std::uint64_t meta = seqlock::load(t[cell]);
      const std::uint64_t bits = seqlock::load(t[cell + 1]);
      v.value = Scalar{bits, static_cast<ValueType>(layout::meta_type(meta)), time};
      if (counter) {
        v.counter =
            CounterTotals{bits, seqlock::load(t[cell + 2]), seqlock::load(t[cell + 3]), time};
      }
      v.status =
          reg == key.live_registration ? status_of(layout::meta_status(meta)) : ReadStatus::kGone;
    }
  });
  if (!consistent) {
    for (InstanceValue& v : out.values) v.status = ReadStatus::kBusy;
  }
}

std::optional<MetricId> Client::find(std::string_view name) const noexcept {
  const std::int64_t position = detail::find_name(mapping_->index, name);
  if (position < 0) return std::nullopt;
  return mapping_->index.metrics[static_cast<std::size_t>(position)].id;
}

const Descriptor* Client::descriptor(MetricId id) const noexcept {
  return mapping_->descriptor(id);
}

const std::vector<Descriptor>& Client::descriptors() const noexcept {
  return mapping_->descriptors();
}

const std::string& Client::platform() const noexcept {
  return mapping_->index.platform;
}

const std::string& Client::counters_summary() const noexcept {
  return mapping_->index.counters;
}

const std::vector<DomainInfo>& Client::domains() const noexcept {
  return mapping_->index.domains;
}

const DomainInfo* Client::domain(InstanceDomain domain) const noexcept {
  const auto i = domain_index(domain);
  return i < mapping_->index.domains.size() ? &mapping_->index.domains[i] : nullptr;
}

SegmentInfo Client::info() const noexcept {
  const layout::HeaderFixed& h = mapping_->header_copy;
  const layout::Header& live = mapping_->live();
  SegmentInfo info;
  info.name = mapping_->options.name;
  info.major = h.major;
  info.minor = h.minor;
  info.total_size = h.total_size;
  info.schema_hash = h.schema_hash;
  info.schema_matches = h.schema_hash == registry::kSchemaHash;
  info.epoch = h.epoch;
  info.broker_pid = h.broker_pid;
  info.broker_uid = h.broker_uid;
  info.tick_period_ns = h.tick_period_ns;
  info.start_mono_ns = h.start_mono_ns;
  info.start_real_ns = h.start_real_ns;
  info.value_words = h.value_words;
  info.ring_slot_count = h.ring_slot_count;
  info.ring_slot_size = h.ring_slot_size;
  info.directory_bytes = h.directory_bytes;
  info.device = mapping_->device;
  info.inode = mapping_->inode;
  // check_header proved it NUL-terminated (2.1); 2.0 had padding there.
  if (h.minor >= 1) info.request_socket = h.request_socket;
  info.state = static_cast<layout::BrokerState>(live.state.load(std::memory_order_acquire));
  info.heartbeat_ns = live.heartbeat_ns.load(std::memory_order_acquire);
  info.tick_count = live.tick_count.load(std::memory_order_relaxed);
  info.ring_head = live.ring_head.load(std::memory_order_acquire);
  info.ring_deltas_total = live.ring_deltas_total.load(std::memory_order_relaxed);
  info.ring_bytes_total = live.ring_bytes_total.load(std::memory_order_relaxed);
  info.ring_split_ticks = live.ring_split_ticks.load(std::memory_order_relaxed);
  info.directory_generation = live.directory_generation.load(std::memory_order_acquire);
  info.instances_unpublished = live.instances_unpublished.load(std::memory_order_relaxed);
  info.instances_added = live.instances_added.load(std::memory_order_relaxed);
  info.instances_removed = live.instances_removed.load(std::memory_order_relaxed);
  return info;
}

std::uint64_t Client::epoch() const noexcept {
  return mapping_->header_copy.epoch;
}

BrokerHealth Client::health() const noexcept {
  const layout::Header& live = mapping_->live();
  const auto state = static_cast<layout::BrokerState>(live.state.load(std::memory_order_acquire));
  if (state == layout::BrokerState::kClosed) return BrokerHealth::kGone;
  // A zombie, or another process that reused the pid, is no broker (process_liveness.hpp).
  if (!detail::broker_process_running(mapping_->header_copy.broker_pid,
                                      mapping_->header_copy.start_mono_ns)) {
    return BrokerHealth::kGone;
  }
  const auto now_identity = identity_of(mapping_->options.name);
  if (!now_identity || now_identity->first != mapping_->device ||
      now_identity->second != mapping_->inode) {
    return BrokerHealth::kGone;  // unlinked, or a new broker owns the name now
  }
  const std::uint64_t beat = live.heartbeat_ns.load(std::memory_order_acquire);
  const std::uint64_t now = monotonic_ns();
  const std::uint64_t limit = kStaleTicks * mapping_->header_copy.tick_period_ns;
  if (now > beat && now - beat > limit) return BrokerHealth::kStale;
  return BrokerHealth::kAlive;
}

bool Client::reattach() {
  std::unique_ptr<Mapping> fresh;
  try {
    fresh = map_and_validate(mapping_->options);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kNotLive) return false;
    throw;
  }
  const bool same = fresh->device == mapping_->device && fresh->inode == mapping_->inode &&
                    fresh->header_copy.epoch == mapping_->header_copy.epoch;
  if (same) return false;
  *this = Client(std::move(fresh));
  return true;
}

const layout::RingSlotHeader& Client::ring_slot(std::uint64_t position) const noexcept {
  const layout::HeaderFixed& h = mapping_->header_copy;
  return *reinterpret_cast<const layout::RingSlotHeader*>(
      mapping_->base() + mapping_->sections.ring.offset +
      layout::ring_slot_offset(position, h.ring_slot_count, h.ring_slot_size));
}

std::uint32_t Client::ring_slot_count() const noexcept {
  return mapping_->header_copy.ring_slot_count;
}
std::uint32_t Client::ring_slot_size() const noexcept {
  return mapping_->header_copy.ring_slot_size;
}

const char* to_string(ReadStatus status) noexcept {
  switch (status) {
    case ReadStatus::kOk:
      return "ok";
    case ReadStatus::kNoSuchMetric:
      return "no such metric";
    case ReadStatus::kEmpty:
      return "not read yet";
    case ReadStatus::kUnavailable:
      return "unavailable";
    case ReadStatus::kReadError:
      return "read error";
    case ReadStatus::kBusy:
      return "busy";
    case ReadStatus::kGone:
      return "gone";
  }
  return "?";
}

const std::string* Instance::label(std::string_view key) const noexcept {
  for (const InstanceLabel& l : labels) {
    if (l.key == key) return &l.value;
  }
  return nullptr;
}

const Instance* InstanceDirectory::find(InstanceDomain domain,
                                        std::string_view name) const noexcept {
  for (const Instance& i : instances) {
    if (i.live && i.domain == domain && i.name == name) return &i;
  }
  return nullptr;
}

std::vector<const Instance*> InstanceDirectory::live(InstanceDomain domain) const {
  std::vector<const Instance*> out;
  for (const Instance& i : instances) {
    if (i.live && (domain == InstanceDomain::None || i.domain == domain)) out.push_back(&i);
  }
  return out;
}

const char* to_string(BrokerHealth health) noexcept {
  switch (health) {
    case BrokerHealth::kAlive:
      return "alive";
    case BrokerHealth::kStale:
      return "stale";
    case BrokerHealth::kGone:
      return "gone";
  }
  return "?";
}

}  // namespace sysring
