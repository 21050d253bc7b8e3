#include "segment_writer.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <boost/interprocess/exceptions.hpp>
#include <boost/interprocess/permissions.hpp>
#include <cerrno>
#include <climits>
#include <cstring>
#include <random>

#include "process_liveness.hpp"
#include "shm_object.hpp"
#include "sysring/errno_text.hpp"
#include "sysring/error.hpp"
#include "sysring/segment_name.hpp"

namespace sysring::broker {
namespace bip = boost::interprocess;
namespace {

constexpr std::uint64_t kPage = 4096;
// macOS on arm64 rounds a shm object, and fstat's st_size, up to its 16 KiB pages: a total that
// is already a multiple keeps total_size == st_size, which clients check, on every platform.
constexpr std::uint64_t kObjectGranule = 16384;
constexpr std::uint64_t align_up(std::uint64_t v, std::uint64_t a) {
  return (v + a - 1) / a * a;
}

std::uint64_t clock_ns(clockid_t clock) {
  timespec ts{};
  ::clock_gettime(clock, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

std::uint64_t random_epoch() {
  std::random_device rd;  // getrandom(2) on Linux, arc4random on macOS
  std::uint64_t e = 0;
  while (e == 0) e = (std::uint64_t{rd()} << 32) | rd();
  return e;
}

void check_config(const SegmentConfig& c) {
  validate_segment_name(c.name);
  if ((c.mode & (S_IWGRP | S_IWOTH)) != 0 || (c.mode & ~mode_t{0777}) != 0) {
    throw Error(ErrorCode::kInsecureMode,
                "segment mode must be at most 0755 with no group or "
                "other write bit (clients refuse anything else)");
  }
  if (!layout::is_power_of_two(c.ring_slot_count) || c.ring_slot_count > layout::kMaxRingSlots) {
    throw Error(ErrorCode::kBadSegment,
                "ring slots must be a power of two up to " + std::to_string(layout::kMaxRingSlots));
  }
  if (!layout::is_power_of_two(c.ring_slot_size) || c.ring_slot_size < layout::kMinRingSlotSize ||
      c.ring_slot_size > layout::kMaxRingSlotSize) {
    throw Error(ErrorCode::kBadSegment, "ring slot bytes must be a power of two from " +
                                            std::to_string(layout::kMinRingSlotSize) + " to " +
                                            std::to_string(layout::kMaxRingSlotSize));
  }
  if (c.value_words == 0 || c.value_words > layout::kMaxValueWords || c.descriptors.empty() ||
      c.tick_period_ns == 0) {
    throw Error(ErrorCode::kBadSegment, "internal: empty value table, descriptors or tick period");
  }
  if (c.directory_bytes < layout::kMinDirectoryBytes ||
      c.directory_bytes > layout::kMaxDirectoryBytes || c.directory_bytes % layout::kCacheLine) {
    throw Error(ErrorCode::kBadSegment, "instance directory must be whole cache lines from " +
                                            std::to_string(layout::kMinDirectoryBytes) + " to " +
                                            std::to_string(layout::kMaxDirectoryBytes) + " bytes");
  }
}

}  // namespace

void remove_stale_segment(const std::string& name, std::uint64_t now_ns,
                          std::optional<uid_t> also_ours) {
  // Any user may plant a FIFO, directory, socket or link under the name: the helper opens without
  // blocking or following a link and refuses (kBadSegment) whatever is not a shm object, so the
  // broker exits with one line and never unlinks it.
  const detail::OpenedObject existing = detail::open_shm_object(name);
  if (!existing.fd.valid()) {
    if (existing.error == ENOENT) return;
    throw Error(ErrorCode::kPermission,
                "cannot inspect existing segment " + name + ": " + errno_text(existing.error));
  }
  const struct stat& st = existing.st;
  if (st.st_uid != ::geteuid() && st.st_uid != also_ours) {
    throw Error(ErrorCode::kForeignOwner, "segment " + name + " exists and belongs to uid " +
                                              std::to_string(st.st_uid) +
                                              "; refusing to replace another user's segment");
  }
  if (st.st_size >= static_cast<off_t>(sizeof(layout::Header))) {
    const detail::ReadOnlyMapping region(existing.fd.get(), sizeof(layout::Header));
    if (!region.valid()) {
      throw Error(ErrorCode::kSystem,
                  "cannot map existing segment " + name + ": " + errno_text(errno));
    }
    const auto* h = static_cast<const layout::Header*>(region.address());
    const auto state = static_cast<layout::BrokerState>(h->state.load(std::memory_order_acquire));
    const std::uint64_t beat = h->heartbeat_ns.load(std::memory_order_acquire);
    const std::uint64_t period = h->fixed.tick_period_ns;
    // A heartbeat from the future cannot come from this boot's monotonic clock: not fresh.
    const bool fresh = beat <= now_ns && now_ns - beat <= 3 * period;
    // A zombie (killed, not yet reaped by its parent) or a process that reused the pid is not
    // the broker that wrote the header: the name is free at once (process_liveness.hpp).
    const bool running =
        h->fixed.magic == layout::kMagic && state != layout::BrokerState::kClosed && fresh &&
        detail::broker_process_running(h->fixed.broker_pid, h->fixed.start_mono_ns);
    if (running) {
      throw Error(
          ErrorCode::kBrokerRunning,
          "a live broker (pid " + std::to_string(h->fixed.broker_pid) + ") already serves " + name);
    }
  }
  bip::shared_memory_object::remove(name.c_str());
}

SegmentWriter SegmentWriter::create(const SegmentConfig& c) {
  check_config(c);
  const std::uint64_t now = clock_ns(CLOCK_MONOTONIC);
  remove_stale_segment(c.name, now, c.owner_uid);

  const std::uint64_t desc_off = sizeof(layout::Header);
  const std::uint64_t copy_bytes = layout::value_copy_bytes(c.value_words);
  const std::uint64_t values_off = align_up(desc_off + c.descriptors.size(), kPage);
  const std::uint64_t values_size = 2 * copy_bytes;
  const std::uint64_t dir_off = align_up(values_off + values_size, kPage);
  const std::uint64_t dir_size = 2 * std::uint64_t{c.directory_bytes};
  const std::uint64_t ring_off = align_up(dir_off + dir_size, kPage);
  const std::uint64_t ring_size = std::uint64_t{c.ring_slot_count} * c.ring_slot_size;
  const std::uint64_t total = align_up(ring_off + ring_size, kObjectGranule);
  if (total > layout::kMaxSegmentBytes) {
    throw Error(ErrorCode::kBadSegment,
                "segment would be " + std::to_string(total) + " bytes, more than the 1 GiB limit");
  }

  bip::shared_memory_object object;
  try {
    bip::permissions perms(static_cast<int>(c.mode));
    object = bip::shared_memory_object(bip::create_only, c.name.c_str(), bip::read_write, perms);
  } catch (const bip::interprocess_exception& e) {
    const int err = e.get_native_error();
    throw Error(err == EEXIST ? ErrorCode::kBrokerRunning : ErrorCode::kPermission,
                "cannot create segment " + c.name + ": " + errno_text(err) +
                    (err == EEXIST ? " (another process created it first)" : ""));
  }
  if (c.owner_uid && ::fchown(object.get_mapping_handle().handle, *c.owner_uid, c.owner_gid) != 0) {
    const int err = errno;
    bip::shared_memory_object::remove(c.name.c_str());
    throw Error(ErrorCode::kPermission, "cannot give segment " + c.name + " to uid " +
                                            std::to_string(*c.owner_uid) + ": " + errno_text(err));
  }
  try {
    object.truncate(static_cast<bip::offset_t>(total));  // once: macOS allows no second resize
  } catch (const bip::interprocess_exception& e) {
    bip::shared_memory_object::remove(c.name.c_str());
    throw Error(ErrorCode::kSystem,
                "cannot size segment " + c.name + ": " + errno_text(e.get_native_error()));
  }
  bip::mapped_region region(object, bip::read_write, 0, total);
  auto* base = static_cast<std::uint8_t*>(region.get_address());

  // The object is zero-filled: all slots start EMPTY and the ring head at 0.
  auto* h = reinterpret_cast<layout::Header*>(base);
  h->fixed.magic = layout::kMagic;
  h->fixed.major = layout::kMajorVersion;
  h->fixed.minor = layout::kMinorVersion;
  h->fixed.header_size = sizeof(layout::Header);
  h->fixed.total_size = total;
  h->fixed.schema_hash = c.schema_hash;
  h->fixed.epoch = random_epoch();
  h->fixed.broker_pid = static_cast<std::uint32_t>(::getpid());
  h->fixed.broker_uid = static_cast<std::uint32_t>(c.owner_uid.value_or(::geteuid()));
  h->fixed.tick_period_ns = c.tick_period_ns;
  h->fixed.start_mono_ns = now;
  h->fixed.start_real_ns = clock_ns(CLOCK_REALTIME);
  h->fixed.value_words = c.value_words;
  h->fixed.value_copy_bytes = static_cast<std::uint32_t>(copy_bytes);
  h->fixed.ring_slot_count = c.ring_slot_count;
  h->fixed.ring_slot_size = c.ring_slot_size;
  h->fixed.directory_bytes = c.directory_bytes;
  h->fixed.section_count = 4;
  h->fixed.sections[0] = {static_cast<std::uint32_t>(layout::SectionKind::kDescriptors), 0,
                          desc_off, c.descriptors.size()};
  h->fixed.sections[1] = {static_cast<std::uint32_t>(layout::SectionKind::kValues), 0, values_off,
                          values_size};
  h->fixed.sections[2] = {static_cast<std::uint32_t>(layout::SectionKind::kDirectory), 0, dir_off,
                          dir_size};
  h->fixed.sections[3] = {static_cast<std::uint32_t>(layout::SectionKind::kRing), 0, ring_off,
                          ring_size};
  std::memcpy(base + desc_off, c.descriptors.data(), c.descriptors.size());
  h->heartbeat_ns.store(now, std::memory_order_relaxed);
  SegmentWriter writer(c.name, std::move(object), std::move(region));
  writer.directory().publish_empty();
  h->state.store(static_cast<std::uint64_t>(layout::BrokerState::kInit), std::memory_order_release);
  return writer;
}

SegmentWriter::SegmentWriter(std::string name, bip::shared_memory_object object,
                             bip::mapped_region region)
    : name_(std::move(name)),
      object_(std::move(object)),
      region_(std::move(region)),
      header_(static_cast<layout::Header*>(region_.get_address())),
      ring_(*header_,
            static_cast<std::uint8_t*>(region_.get_address()) + header_->fixed.sections[3].offset,
            header_->fixed.ring_slot_count, header_->fixed.ring_slot_size) {
  auto* base = static_cast<std::uint8_t*>(region_.get_address());
  const layout::HeaderFixed& f = header_->fixed;
  values_ = std::make_unique<ValueTableWriter>(
      header_->values_seq, reinterpret_cast<layout::Word*>(base + f.sections[1].offset),
      f.value_copy_bytes / layout::kWordBytes, f.value_words);
  directory_ = std::make_unique<DirectoryWriter>(header_->directory_generation,
                                                 base + f.sections[2].offset, f.directory_bytes);
}

SegmentWriter::SegmentWriter(SegmentWriter&& other) noexcept
    : name_(std::move(other.name_)),
      object_(std::move(other.object_)),
      region_(std::move(other.region_)),
      header_(other.header_),
      values_(std::move(other.values_)),
      directory_(std::move(other.directory_)),
      ring_(other.ring_),
      open_(other.open_) {
  other.open_ = false;
}

SegmentWriter::~SegmentWriter() {
  close();
}

void SegmentWriter::set_group(gid_t group) {
  if (::fchown(object_.get_mapping_handle().handle, static_cast<uid_t>(-1), group) != 0) {
    throw Error(ErrorCode::kPermission, "cannot give segment " + name_ + " to group " +
                                            std::to_string(group) + ": " + errno_text(errno));
  }
}

bool SegmentWriter::set_request_socket(std::string_view path) noexcept {
  char* field = header_->fixed.request_socket;
  std::memset(field, 0, layout::kRequestSocketChars);
  if (path.size() >= layout::kRequestSocketChars) return false;
  std::memcpy(field, path.data(), path.size());
  return true;
}

void SegmentWriter::go_live() noexcept {
  // Release: a client that acquires LIVE sees the whole immutable header and descriptors.
  header_->state.store(static_cast<std::uint64_t>(layout::BrokerState::kLive),
                       std::memory_order_release);
}

void SegmentWriter::heartbeat(std::uint64_t now_ns, std::uint64_t ticks_done) noexcept {
  header_->tick_count.store(ticks_done, std::memory_order_relaxed);
  header_->heartbeat_ns.store(now_ns, std::memory_order_release);
}

SegmentFate SegmentWriter::fate() const noexcept {
#ifdef __APPLE__
  // pshm_stat fills in no link count (darwin-facts §6) and an object is sized once for life:
  // neither removal nor truncation shows in fstat there.
  return SegmentFate::kIntact;
#else
  struct stat mine {};
  if (::fstat(object_.get_mapping_handle().handle, &mine) != 0) return SegmentFate::kIntact;
  if (static_cast<std::size_t>(mine.st_size) < region_.get_size()) return SegmentFate::kTruncated;
  if (mine.st_nlink > 0) return SegmentFate::kIntact;
  try {
    const detail::OpenedObject current = detail::open_shm_object(name_);  // never blocks
    if (!current.fd.valid()) return SegmentFate::kRemoved;
  } catch (const Error&) {
    // Something that is not a shm object (a FIFO, a link) took the name.
  }
  return SegmentFate::kReplaced;
#endif
}

const char* describe(SegmentFate fate) noexcept {
  switch (fate) {
    case SegmentFate::kIntact:
      return "is intact";
    case SegmentFate::kRemoved:
      return "was removed under the broker";
    case SegmentFate::kReplaced:
      return "was replaced by another object under the broker";
    case SegmentFate::kTruncated:
      return "was truncated under the broker";
  }
  return "is in an unknown state";
}

void SegmentWriter::close() noexcept {
  if (!open_) return;
  open_ = false;
  struct stat mine {};
  if (::fstat(object_.get_mapping_handle().handle, &mine) != 0) return;
  // Clients that still map a removed or replaced object see CLOSED at once; a truncated one may
  // have lost the header page, and touching a page past the end is SIGBUS.
  if (static_cast<std::uint64_t>(mine.st_size) >= sizeof(layout::Header)) {
    header_->state.store(static_cast<std::uint64_t>(layout::BrokerState::kClosed),
                         std::memory_order_release);
  }
  // Remove the name only while it is still ours: a broker that was stopped for long may have
  // been replaced by a new one, whose segment must survive our exit.
  struct stat now {};
  try {
    const detail::OpenedObject current = detail::open_shm_object(name_);  // never blocks
    if (!current.fd.valid()) return;                                      // already gone
    now = current.st;
    if (now.st_ino != mine.st_ino || now.st_dev != mine.st_dev) return;
  } catch (const Error&) {
    return;  // the name holds something else now: not ours to remove
  }
  bip::shared_memory_object::remove(name_.c_str());
}

}  // namespace sysring::broker
