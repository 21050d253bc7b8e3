#include "sysring/client.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <time.h>

#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cerrno>
#include <cstring>

#include "segment_validator.hpp"
#include "sysring/errno_text.hpp"
#include "sysring/registry_data.hpp"

namespace sysring {

namespace bip = boost::interprocess;

struct Client::Mapping {
  OpenOptions options;
  bip::shared_memory_object object;
  bip::mapped_region region;
  layout::HeaderFixed header_copy{};  // validated once; never re-read from shared memory
  detail::SegmentLayout sections;
  std::uint64_t device = 0, inode = 0;
  std::vector<Descriptor> descriptors;
  std::vector<std::int32_t> index_by_id;  // id -> position in descriptors, or -1
  std::unordered_map<std::string_view, MetricId> by_name;
  std::string platform;
  std::string counters;

  [[nodiscard]] const std::uint8_t* base() const {
    return static_cast<const std::uint8_t*>(region.get_address());
  }
  [[nodiscard]] const layout::Header& live() const {
    return *reinterpret_cast<const layout::Header*>(base());
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

bool process_exists(std::uint32_t pid) {
  // Validation guarantees 0 < pid <= INT32_MAX, so kill() never targets a process group.
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

// (device, inode) the name refers to now, or nullopt if it no longer exists.
std::optional<std::pair<std::uint64_t, std::uint64_t>> identity_of(const std::string& name) {
  try {
    bip::shared_memory_object probe(bip::open_only, name.c_str(), bip::read_only);
    struct stat st {};
    if (::fstat(probe.get_mapping_handle().handle, &st) != 0) return std::nullopt;
    return std::pair<std::uint64_t, std::uint64_t>{st.st_dev, st.st_ino};
  } catch (const bip::interprocess_exception&) {
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
  try {
    m->object = bip::shared_memory_object(bip::open_only, options.name.c_str(), bip::read_only);
  } catch (const bip::interprocess_exception& e) {
    throw open_error(options.name, e.get_native_error());
  }

  // fstat the object we hold, before mapping: owner, mode, type, size.
  struct stat st {};
  if (::fstat(m->object.get_mapping_handle().handle, &st) != 0) {
    throw open_error(options.name, errno);
  }
  detail::check_file_policy(st, options.expected_owner);
  const auto size = static_cast<std::uint64_t>(st.st_size);
  m->device = st.st_dev;
  m->inode = st.st_ino;

  try {
    m->region = bip::mapped_region(m->object, bip::read_only, 0, size);  // PROT_READ
  } catch (const bip::interprocess_exception& e) {
    throw open_error(options.name, e.get_native_error());
  }

  // The state is release-stored after the immutable header: acquire it, then copy the header
  // once. Identity (magic, version) is judged before the state, so a foreign object is reported
  // as foreign, not as a broker still starting.
  const std::uint64_t state_word = m->live().state.load(std::memory_order_acquire);
  std::memcpy(&m->header_copy, m->base(), sizeof(layout::HeaderFixed));
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

  // The descriptor FlatBuffer is verified and decoded from a private copy only.
  const auto& d = m->sections.descriptors;
  const std::vector<std::uint8_t> copy(m->base() + d.offset, m->base() + d.offset + d.size);
  m->descriptors = detail::decode_descriptors(copy, m->header_copy, m->platform, m->counters);

  m->index_by_id.assign(m->header_copy.value_slot_count, -1);
  for (std::size_t i = 0; i < m->descriptors.size(); ++i) {
    const Descriptor& desc = m->descriptors[i];
    m->index_by_id[static_cast<std::uint16_t>(desc.id)] = static_cast<std::int32_t>(i);
    m->by_name.emplace(desc.name, desc.id);
  }
  return m;
}

Client::Client(std::unique_ptr<Mapping> mapping) : mapping_(std::move(mapping)) {
  slots_ = reinterpret_cast<const layout::ValueSlot*>(mapping_->base() +
                                                      mapping_->sections.values.offset);
  slot_count_ = mapping_->header_copy.value_slot_count;
}

Client Client::open(const OpenOptions& options) {
  return Client(map_and_validate(options));
}

Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

ReadStatus Client::read_text(MetricId id, Text& out) const noexcept {
  const auto index = static_cast<std::uint32_t>(id);
  if (index >= slot_count_) return ReadStatus::kNoSuchMetric;
  const layout::ValueSlot& slot = slots_[index];
  static_assert(sizeof(out.bytes) == layout::kPayloadWords * sizeof(std::uint64_t));
  std::uint64_t time = 0;
  std::uint64_t meta = 0;
  const bool consistent = seqlock::read(slot.seq, [&] {
    time = seqlock::load(slot.read_time_ns);
    meta = seqlock::load(slot.meta);
    // The length may be torn until validated: bound the copy by the slot, not by it. Words go
    // straight into the caller's buffer (bytes are only trusted after validation).
    const std::size_t n =
        (std::min<std::size_t>(layout::meta_length(meta), layout::kMaxStringBytes) + 7) / 8;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t w = seqlock::load(slot.payload[i]);
      std::memcpy(out.bytes + i * sizeof w, &w, sizeof w);
    }
  });
  if (!consistent) return ReadStatus::kBusy;
  const ReadStatus status = status_of(layout::meta_status(meta));
  if (status != ReadStatus::kOk) return status;
  out.read_time_ns = time;
  out.length = std::min<std::uint32_t>(layout::meta_length(meta), layout::kMaxStringBytes);
  return ReadStatus::kOk;
}

std::optional<MetricId> Client::find(std::string_view name) const noexcept {
  const auto it = mapping_->by_name.find(name);
  if (it == mapping_->by_name.end()) return std::nullopt;
  return it->second;
}

const Descriptor* Client::descriptor(MetricId id) const noexcept {
  const auto index = static_cast<std::uint16_t>(id);
  if (index >= mapping_->index_by_id.size() || mapping_->index_by_id[index] < 0) return nullptr;
  return &mapping_->descriptors[static_cast<std::size_t>(mapping_->index_by_id[index])];
}

const std::vector<Descriptor>& Client::descriptors() const noexcept {
  return mapping_->descriptors;
}

const std::string& Client::platform() const noexcept {
  return mapping_->platform;
}

const std::string& Client::counters_summary() const noexcept {
  return mapping_->counters;
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
  info.value_slot_count = h.value_slot_count;
  info.ring_slot_count = h.ring_slot_count;
  info.ring_slot_size = h.ring_slot_size;
  info.device = mapping_->device;
  info.inode = mapping_->inode;
  info.state = static_cast<layout::BrokerState>(live.state.load(std::memory_order_acquire));
  info.heartbeat_ns = live.heartbeat_ns.load(std::memory_order_acquire);
  info.tick_count = live.tick_count.load(std::memory_order_relaxed);
  info.ring_head = live.ring_head.load(std::memory_order_acquire);
  info.ring_deltas_total = live.ring_deltas_total.load(std::memory_order_relaxed);
  info.ring_bytes_total = live.ring_bytes_total.load(std::memory_order_relaxed);
  info.ring_split_ticks = live.ring_split_ticks.load(std::memory_order_relaxed);
  return info;
}

std::uint64_t Client::epoch() const noexcept {
  return mapping_->header_copy.epoch;
}

BrokerHealth Client::health() const noexcept {
  const layout::Header& live = mapping_->live();
  const auto state = static_cast<layout::BrokerState>(live.state.load(std::memory_order_acquire));
  if (state == layout::BrokerState::kClosed) return BrokerHealth::kGone;
  if (!process_exists(mapping_->header_copy.broker_pid)) return BrokerHealth::kGone;
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

const layout::Header& Client::live_header() const noexcept {
  return mapping_->live();
}

const layout::RingSlotHeader& Client::ring_slot(std::uint64_t position) const noexcept {
  const layout::HeaderFixed& h = mapping_->header_copy;
  const std::uint64_t index = position & (h.ring_slot_count - 1);
  return *reinterpret_cast<const layout::RingSlotHeader*>(
      mapping_->base() + mapping_->sections.ring.offset + index * h.ring_slot_size);
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
  }
  return "?";
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
