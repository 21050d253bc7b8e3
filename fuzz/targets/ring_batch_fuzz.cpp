// The ring batch decoder (client-lib/ring_follower.cpp): the input is one ring slot's payload,
// published by the broker's own RingWriter into a live segment, then taken by a RingFollower
// through the FlatBuffers Verifier and the decoder, exactly as a client polls.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "live_segment.hpp"
#include "sysring/ring_follower.hpp"

namespace {

sysring::RingFollower& follower() {
  static sysring::RingFollower* f = [] {
    auto* made = new sysring::RingFollower(*sysring::fuzz::live_segment().client);
    sysring::Batch snapshot;
    if (made->poll(snapshot) != sysring::PollResult::kBatch) std::abort();  // the first snapshot
    return made;
  }();
  return *f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  sysring::fuzz::LiveSegment& segment = sysring::fuzz::live_segment();
  sysring::RingFollower& reader = follower();
  if (size > segment.writer.ring().capacity()) return -1;  // the writer refuses it: not a slot
  if (!segment.writer.ring().publish(std::span<const std::uint8_t>(data, size), 0)) std::abort();
  sysring::Batch batch;
  const sysring::PollResult result = reader.poll(batch);
  // Every published slot is taken at once, so the follower never laps: a batch or a corrupt one.
  if (result != sysring::PollResult::kBatch && result != sysring::PollResult::kCorrupt) {
    std::abort();
  }
  return 0;
}
