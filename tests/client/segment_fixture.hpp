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
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "delta_batch_generated.h"
#include "instances/instance_table.hpp"
#include "segment/delta_encoder.hpp"
#include "segment/descriptor_builder.hpp"
#include "segment/segment_writer.hpp"
#include "segment/value_layout.hpp"
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

// Rows per instance domain in test segments.
inline broker::DomainCapacities test_capacities(std::uint32_t rows = 4) {
  broker::DomainCapacities c{};
  c.fill(rows);
  c[0] = 1;
  return c;
}

// A descriptor table and the size of the value table its columns were laid out for.
struct DescriptorImage {
  std::vector<std::uint8_t> bytes;
  std::uint32_t value_words = 0;
  std::shared_ptr<const broker::ValueLayout> layout;
};

inline DescriptorImage descriptor_table(
    std::span<const registry::RegistryEntry> entries = registry::kEntries,
    std::uint64_t hash = registry::kSchemaHash,
    const broker::DomainCapacities& capacities = test_capacities()) {
  auto layout = std::make_shared<const broker::ValueLayout>(entries, capacities);
  return {broker::build_descriptor_table(entries, *layout, "linux", hash, always_available),
          layout->words(), layout};
}

struct WriterParams {
  std::uint32_t value_words = 0;  // 0: the descriptor table's
  std::uint32_t ring_slot_count = 16;
  std::uint32_t ring_slot_size = 1024;
  std::uint32_t directory_bytes = 8192;
  std::uint64_t tick_period_ns = 1'000'000'000;  // 1 s: a copy stays "alive" for 3 s
  std::uint64_t header_hash = registry::kSchemaHash;
};

// A segment in state INIT created exactly as the broker creates it. `descriptors` must outlive
// the call only (the writer copies it).
inline broker::SegmentWriter make_writer(const std::string& name,
                                         const DescriptorImage& descriptors,
                                         const WriterParams& p = {}) {
  broker::SegmentConfig c;
  c.name = name;
  c.value_words = p.value_words != 0 ? p.value_words : descriptors.value_words;
  c.directory_bytes = p.directory_bytes;
  c.ring_slot_count = p.ring_slot_count;
  c.ring_slot_size = p.ring_slot_size;
  c.tick_period_ns = p.tick_period_ns;
  c.schema_hash = p.header_hash;
  c.descriptors = descriptors.bytes;
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

// Registers instance `name` the way the tick loop does (row, live registration word, directory)
// and returns its row.
inline std::uint32_t add_instance(broker::SegmentWriter& writer, const broker::ValueLayout& layout,
                                  broker::InstanceTable& instances, schema::InstanceDomain domain,
                                  std::string_view name,
                                  std::span<const broker::LabelView> labels) {
  const std::uint32_t row = instances.present(domain, name, labels, 1);
  const std::uint64_t registration = instances.record(domain, row)->registration;
  writer.values().put_word(layout.registration(domain, row),
                           registration | layout::kRegistrationLive);
  writer.values().publish();
  writer.directory().publish(instances);
  return row;
}

// A DeltaBatch with `count` U64 deltas on the scalar numeric cells of `image`'s layout, in
// family order, values value_base + i.
inline std::vector<std::uint8_t> delta_batch(const DescriptorImage& image, std::uint64_t tick,
                                             bool full_snapshot, std::size_t count,
                                             std::uint64_t value_base = 0) {
  std::vector<std::uint64_t> cells;
  for (const broker::ColumnPlan& c : image.layout->columns()) {
    if (c.domain == schema::InstanceDomain::None && c.type == schema::ValueType::U64) {
      cells.push_back(broker::ValueLayout::cell(c, 0));
    }
  }
  broker::DeltaEncoder encoder(1 << 20);
  encoder.begin(tick, tick * 1000, full_snapshot);
  for (std::size_t i = 0; i < count; ++i) {
    encoder.add_value(cells[i % cells.size()], schema::ValueType::U64, value_base + i);
  }
  std::vector<std::uint8_t> out;
  encoder.finish(
      [&](std::span<const std::uint8_t> b, std::uint64_t) { out.assign(b.begin(), b.end()); });
  return out;
}

}  // namespace sysring::test
