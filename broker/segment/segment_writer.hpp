// The broker's side of the segment: exclusive creation, layout, LIVE/CLOSED, heartbeat.
#pragma once

#include <sys/types.h>

#include <boost/interprocess/mapped_region.hpp>
#include <boost/interprocess/shared_memory_object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <memory>

#include "instances/directory_writer.hpp"
#include "segment/ring_writer.hpp"
#include "segment/value_table_writer.hpp"
#include "sysring/layout.hpp"

namespace sysring::broker {

// What became of the segment under its name since the broker created it (SegmentWriter::fate).
// Only the segment's owner or root can remove, replace or truncate it (docs/DESIGN.md, "Threat
// model"); the broker then stops, never fights over the name.
enum class SegmentFate {
  kIntact,     // the name maps our object, at its full size
  kRemoved,    // the name was unlinked: new clients cannot find us
  kReplaced,   // the name holds another object now
  kTruncated,  // our object is shorter than its layout: writing past the end is SIGBUS
};

// "was removed", "was replaced by another object", ...: finishes "segment /x ".
const char* describe(SegmentFate fate) noexcept;

struct SegmentConfig {
  std::string name;
  mode_t mode = 0644;             // no group/other write bit is accepted
  std::uint32_t value_words = 0;  // one copy of the value table (ValueLayout::words)
  std::uint32_t ring_slot_count = 256;
  std::uint32_t ring_slot_size = 2048;
  std::uint32_t directory_bytes = layout::kMinDirectoryBytes;  // one buffer, header included
  std::uint64_t tick_period_ns = 1'000'000'000;
  std::uint64_t schema_hash = 0;
  std::span<const std::uint8_t> descriptors;  // a finished DescriptorTable FlatBuffer
  // The user the broker becomes after creating the segment (--user): the segment is given to
  // it at creation, so that it can still remove the name when it stops, and a root broker
  // may replace that user's stale segment. Unset: the creating user owns it.
  std::optional<uid_t> owner_uid;
  gid_t owner_gid = 0;
};

class SegmentWriter {
 public:
  // Removes a stale segment of ours under the name, refuses a live broker's or another user's,
  // then creates the object exclusively (O_CREAT|O_EXCL), sizes it once and lays it out in
  // state INIT. Throws Error with a one-line message.
  static SegmentWriter create(const SegmentConfig& config);

  SegmentWriter(SegmentWriter&&) noexcept;
  SegmentWriter& operator=(SegmentWriter&&) = delete;
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;
  ~SegmentWriter();  // closes if still open

  [[nodiscard]] layout::Header& header() noexcept { return *header_; }
  [[nodiscard]] ValueTableWriter& values() noexcept { return *values_; }
  [[nodiscard]] DirectoryWriter& directory() noexcept { return *directory_; }
  [[nodiscard]] const DirectoryWriter& directory() const noexcept { return *directory_; }
  [[nodiscard]] RingWriter& ring() noexcept { return ring_; }
  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  [[nodiscard]] const void* address() const noexcept { return region_.get_address(); }
  [[nodiscard]] std::size_t size() const noexcept { return region_.get_size(); }

  // Lets `group` read a segment created with mode 0640. Throws Error on failure.
  void set_group(gid_t group);
  // Writes the request socket's path into the header (layout 2.1; empty: all zero, no request
  // server). Before go_live only: the header is immutable once LIVE. False (and all zero) for a
  // path of kRequestSocketChars bytes or more.
  bool set_request_socket(std::string_view path) noexcept;
  void go_live() noexcept;
  void heartbeat(std::uint64_t now_ns, std::uint64_t ticks_done) noexcept;
  // One fstat of the object the broker maps, every tick: removing or replacing the name drops
  // its link count to 0, truncation its size. Only then is the name opened (never blocking) to
  // tell a removed name from a replaced one.
  [[nodiscard]] SegmentFate fate() const noexcept;
  // State CLOSED (clients see "gone" at once), then the name is removed. Idempotent. Writes
  // nothing into a truncated object, and removes the name only while it is still ours.
  void close() noexcept;

 private:
  SegmentWriter(std::string name, boost::interprocess::shared_memory_object object,
                boost::interprocess::mapped_region region);

  std::string name_;
  boost::interprocess::shared_memory_object object_;
  boost::interprocess::mapped_region region_;
  layout::Header* header_;
  std::unique_ptr<ValueTableWriter> values_;
  std::unique_ptr<DirectoryWriter> directory_;
  RingWriter ring_;
  bool open_ = true;
};

// If `name` holds a segment of a broker that is not running any more, owned by us or by
// `also_ours` (the --user a root broker becomes), removes it. Throws kBrokerRunning for a live
// one and kForeignOwner for anyone else's.
void remove_stale_segment(const std::string& name, std::uint64_t now_ns,
                          std::optional<uid_t> also_ours = std::nullopt);

}  // namespace sysring::broker
