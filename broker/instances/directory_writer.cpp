#include "instances/directory_writer.hpp"

#include <cstring>
#include <vector>

#include "instances_generated.h"
#include "sysring/latch.hpp"

namespace sysring::broker {

DirectoryWriter::DirectoryWriter(layout::Word& generation, std::uint8_t* section,
                                 std::uint32_t buffer_bytes)
    : generation_word_(&generation),
      section_(section),
      buffer_bytes_(buffer_bytes),
      capacity_(buffer_bytes - sizeof(layout::DirectoryBufferHeader)),
      generation_(generation.load(std::memory_order_relaxed)),
      builder_(capacity_) {}

bool DirectoryWriter::publish(const InstanceTable& table) {
  builder_.Clear();
  std::vector<flatbuffers::Offset<schema::Instance>> instances;
  std::vector<flatbuffers::Offset<schema::Label>> labels;
  for (std::size_t d = 1; d < kDomainCount; ++d) {
    const auto domain = static_cast<InstanceDomain>(d);
    for (std::uint32_t row = 0; row < table.capacity(domain); ++row) {
      const InstanceRecord* rec = table.record(domain, row);
      if (rec == nullptr) continue;
      labels.clear();
      for (const Label& l : rec->labels) {
        labels.push_back(schema::CreateLabel(builder_, builder_.CreateString(l.key),
                                             builder_.CreateString(l.value)));
      }
      const auto label_vector = builder_.CreateVector(labels);
      const auto name = builder_.CreateString(rec->name);
      schema::InstanceBuilder b(builder_);
      b.add_domain(domain);
      b.add_row(row);
      b.add_instance_id(rec->instance_id);
      b.add_registration(rec->registration);
      b.add_name(name);
      b.add_labels(label_vector);
      b.add_state(rec->live ? schema::InstanceState::Live : schema::InstanceState::Gone);
      b.add_added_ns(rec->added_ns);
      b.add_removed_ns(rec->removed_ns);
      instances.push_back(b.Finish());
    }
  }
  const std::uint64_t next = generation_ + 1;
  const auto list = builder_.CreateVector(instances);
  schema::FinishInstanceDirectoryBuffer(
      builder_, schema::CreateInstanceDirectory(builder_, next, list, table.unpublished()));
  if (builder_.GetSize() > capacity_) return false;
  write_next(next);
  return true;
}

void DirectoryWriter::publish_empty() {
  builder_.Clear();
  const std::uint64_t next = generation_ + 1;
  const auto list = builder_.CreateVector(std::vector<flatbuffers::Offset<schema::Instance>>{});
  schema::FinishInstanceDirectoryBuffer(builder_,
                                        schema::CreateInstanceDirectory(builder_, next, list, 0));
  write_next(next);
}

// Copies the builder's FlatBuffer into the buffer of generation `next`, then publishes it.
void DirectoryWriter::write_next(std::uint64_t next) {
  const std::size_t size = builder_.GetSize();
  // The buffer of generation `next`: readers are on the other one (generation_), and will only
  // read this one once they acquire `next`.
  auto* header = reinterpret_cast<layout::DirectoryBufferHeader*>(
      section_ + layout::directory_buffer_offset(next, buffer_bytes_));
  auto* payload = reinterpret_cast<layout::Word*>(header + 1);
  std::vector<std::uint64_t> words((size + 7) / 8, 0);
  std::memcpy(words.data(), builder_.GetBufferPointer(), size);
  latch::store_words(payload, words.data(), words.size());
  header->length.store(size, std::memory_order_relaxed);
  header->generation.store(next, std::memory_order_relaxed);
  generation_ = next;
  generation_word_->store(next, std::memory_order_release);  // publishes the buffer
  // Orders that store before the writes of the next generation into the other buffer: a reader
  // still copying it then sees a newer generation and retries.
  std::atomic_thread_fence(std::memory_order_release);
}

}  // namespace sysring::broker
