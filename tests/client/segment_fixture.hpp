// Helpers for client tests: build a real segment with the broker's SegmentWriter, copy its bytes,
// and write (corrupted) copies into shared-memory objects the test creates itself.
#pragma once

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "delta_batch_generated.h"
#include "segment/descriptor_builder.hpp"
#include "segment/segment_writer.hpp"
#include "sysring/layout.hpp"
#include "sysring/registry_data.hpp"

namespace sysring::test {

// "/<tag>-<pid>-<n>": unique per process and call, at most 31 characters.
inline std::string unique_name(std::string_view tag) {
  static std::atomic<unsigned> counter{0};
  std::string name = "/" + std::string(tag) + "-" + std::to_string(::getpid()) + "-" +
                     std::to_string(counter.fetch_add(1));
  if (name.size() > layout::kMaxNameChars) throw std::logic_error("test name too long: " + name);
  return name;
}

// Removes the name when the test ends, whatever happened.
class ShmName {
 public:
  explicit ShmName(std::string name) : name_(std::move(name)) {}
  ShmName(const ShmName&) = delete;
  ShmName& operator=(const ShmName&) = delete;
  ~ShmName() { ::shm_unlink(name_.c_str()); }
  [[nodiscard]] const std::string& str() const { return name_; }

 private:
  std::string name_;
};

inline const broker::Availability& always_available(std::uint16_t /*id*/) {
  static const broker::Availability kYes{true, ""};
  return kYes;
}

inline std::vector<std::uint8_t> descriptor_table(
    std::span<const registry::RegistryEntry> entries = registry::kEntries,
    std::uint64_t hash = registry::kSchemaHash) {
  return broker::build_descriptor_table(entries, "linux", hash, always_available);
}

struct WriterParams {
  std::uint32_t value_slot_count = registry::kMaxMetricId + 1u;
  std::uint32_t ring_slot_count = 16;
  std::uint32_t ring_slot_size = 1024;
  std::uint64_t tick_period_ns = 1'000'000'000;  // 1 s: a copy stays "alive" for 3 s
  std::uint64_t header_hash = registry::kSchemaHash;
};

// A segment in state INIT created exactly as the broker creates it. `descriptors` must outlive
// the call only (the writer copies it).
inline broker::SegmentWriter make_writer(const std::string& name,
                                         const std::vector<std::uint8_t>& descriptors,
                                         const WriterParams& p = {}) {
  broker::SegmentConfig c;
  c.name = name;
  c.value_slot_count = p.value_slot_count;
  c.ring_slot_count = p.ring_slot_count;
  c.ring_slot_size = p.ring_slot_size;
  c.tick_period_ns = p.tick_period_ns;
  c.schema_hash = p.header_hash;
  c.descriptors = descriptors;
  return broker::SegmentWriter::create(c);
}

// The bytes of the named object, read through a private fd.
inline std::vector<std::uint8_t> read_object(const std::string& name) {
  const int fd = ::shm_open(name.c_str(), O_RDONLY, 0);
  if (fd < 0) throw std::runtime_error("shm_open " + name + ": " + std::strerror(errno));
  struct stat st {};
  ::fstat(fd, &st);
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n =
        ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (done != bytes.size()) throw std::runtime_error("short read of " + name);
  return bytes;
}

// Creates `name` exclusively with exactly `bytes` and `mode` (set with fchmod, so the umask does
// not interfere). Returns the fd if keep_fd, else closes it and returns -1.
inline int write_object(const std::string& name, std::span<const std::uint8_t> bytes,
                        mode_t mode = 0644, bool keep_fd = false) {
  const int fd = ::shm_open(name.c_str(), O_RDWR | O_CREAT | O_EXCL, 0600);
  if (fd < 0) throw std::runtime_error("shm_open create " + name + ": " + std::strerror(errno));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n <= 0) {
      ::close(fd);
      throw std::runtime_error("write " + name + ": " + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, mode) != 0) {
    ::close(fd);
    throw std::runtime_error("fchmod " + name + ": " + std::strerror(errno));
  }
  if (keep_fd) return fd;
  ::close(fd);
  return -1;
}

// Header field access on a byte image.
template <class T>
void poke(std::vector<std::uint8_t>& image, std::size_t offset, T value) {
  if (offset + sizeof(T) > image.size()) throw std::out_of_range("poke past the image");
  std::memcpy(image.data() + offset, &value, sizeof(T));
}
template <class T>
T peek(const std::vector<std::uint8_t>& image, std::size_t offset) {
  T value{};
  if (offset + sizeof(T) > image.size()) throw std::out_of_range("peek past the image");
  std::memcpy(&value, image.data() + offset, sizeof(T));
  return value;
}

inline layout::HeaderFixed header_of(const std::vector<std::uint8_t>& image) {
  layout::HeaderFixed h{};
  std::memcpy(&h, image.data(), sizeof h);
  return h;
}

// Offset of section entry `index`'s fields inside the image.
inline std::size_t section_field(std::size_t index, std::size_t field_offset) {
  return offsetof(layout::HeaderFixed, sections) + index * sizeof(layout::SectionEntry) +
         field_offset;
}
inline constexpr std::size_t kSecKind = offsetof(layout::SectionEntry, kind);
inline constexpr std::size_t kSecOffset = offsetof(layout::SectionEntry, offset);
inline constexpr std::size_t kSecSize = offsetof(layout::SectionEntry, size);

// Index of the section entry of `kind` in the image (throws when absent).
inline std::size_t section_index(const std::vector<std::uint8_t>& image, layout::SectionKind kind) {
  const layout::HeaderFixed h = header_of(image);
  for (std::size_t i = 0; i < h.section_count && i < layout::kMaxSections; ++i) {
    if (h.sections[i].kind == static_cast<std::uint32_t>(kind)) return i;
  }
  throw std::logic_error("section kind missing from the valid image");
}

// A DeltaBatch FlatBuffer with `count` scalar deltas (ids cycle over 1..106).
inline std::vector<std::uint8_t> delta_batch(std::uint64_t tick, bool full_snapshot,
                                             std::size_t count, std::uint64_t value_base = 0) {
  flatbuffers::FlatBufferBuilder fbb;
  std::vector<schema::MetricId> ids;
  std::vector<std::uint64_t> values;
  for (std::size_t i = 0; i < count; ++i) {
    ids.push_back(static_cast<schema::MetricId>(1 + i % registry::kMaxMetricId));
    values.push_back(value_base + i);
  }
  const auto batch =
      schema::CreateDeltaBatchDirect(fbb, tick, tick * 1000, full_snapshot, 0, 1, &ids, &values);
  schema::FinishDeltaBatchBuffer(fbb, batch);
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

}  // namespace sysring::test
