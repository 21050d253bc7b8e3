// Publishes the instance directory: the InstanceTable's records as an InstanceDirectory
// FlatBuffer, written into the buffer readers are not using, then made current by one release
// store of the generation (layout.hpp, "Instance directory").
#pragma once

#include <flatbuffers/flatbuffers.h>

#include <cstdint>

#include "instances/instance_table.hpp"
#include "sysring/layout.hpp"

namespace sysring::broker {

class DirectoryWriter {
 public:
  // `section`: the directory section (two buffers of `buffer_bytes`, header included).
  DirectoryWriter(layout::Word& generation, std::uint8_t* section, std::uint32_t buffer_bytes);

  // FlatBuffer bytes one buffer holds: the InstanceTable's directory budget.
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

  // Writes every live and quarantined record as the next generation. Returns false, publishing
  // nothing, if the FlatBuffer does not fit (the table's budget makes that a bug, not a state).
  bool publish(const InstanceTable& table);
  // Generation 1 with no instances: written when the segment is created, so a client always
  // finds a directory.
  void publish_empty();
  [[nodiscard]] std::uint64_t generation() const noexcept { return generation_; }

 private:
  void write_next(std::uint64_t next);
  layout::Word* generation_word_;
  std::uint8_t* section_;
  std::uint32_t buffer_bytes_;
  std::size_t capacity_;
  std::uint64_t generation_;
  flatbuffers::FlatBufferBuilder builder_;
};

}  // namespace sysring::broker
