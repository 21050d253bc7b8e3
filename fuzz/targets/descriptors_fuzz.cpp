// The descriptor table decoder (client-lib/segment_validator.cpp check_descriptors): the input is
// the descriptor section's FlatBuffer, checked against the header of a real live segment (the
// value table size its columns must fit). A table that passes is decoded entry by entry and
// searched by name, as Client::open and Client::find do.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "live_segment.hpp"
#include "segment_validator.hpp"
#include "sysring/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const sysring::layout::HeaderFixed header = [] {
    sysring::layout::HeaderFixed copy{};
    std::memcpy(&copy, &sysring::fuzz::live_segment().writer.header(), sizeof copy);
    return copy;
  }();
  try {
    const sysring::detail::DescriptorIndex index =
        sysring::detail::check_descriptors(std::vector<std::uint8_t>(data, data + size), header);
    for (const sysring::detail::MetricEntry& entry : index.metrics) {
      const sysring::Descriptor d = sysring::detail::decode_descriptor(entry);
      if (sysring::detail::find_name(index, d.name) < 0) std::abort();  // every name is found
    }
    (void)sysring::detail::find_name(index, "no.such.metric");
  } catch (const sysring::Error&) {
    // Refused: the expected outcome for almost every input.
  }
  return 0;
}
