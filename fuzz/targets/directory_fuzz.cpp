// The instance directory decoder (client-lib/segment_validator.cpp decode_directory): the input
// is one directory buffer's FlatBuffer, checked against the domains of a real live segment (their
// capacities and label keys), as Client::instances() checks the buffer it copied.
#include <cstddef>
#include <cstdint>
#include <span>

#include "live_segment.hpp"
#include "segment_validator.hpp"
#include "sysring/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<sysring::DomainInfo> domains =
      sysring::fuzz::live_segment().client->domains();
  try {
    const sysring::InstanceDirectory directory =
        sysring::detail::decode_directory(std::span<const std::uint8_t>(data, size), 1, domains);
    (void)directory;
  } catch (const sysring::Error&) {
    // Refused: the expected outcome for almost every input.
  }
  return 0;
}
