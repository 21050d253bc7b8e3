// The text of one sysfs attribute file ("1400\n", "0x1003\n", "up\n"), decoded to a number.
// Pure: bytes in, a value out, no I/O.
//
//   kDecimal    "1400"      -> 1400                  (mtu, ifindex, core_id, ...)
//   kKilohertz  "2400000"   -> 2400000000            (cpufreq files count kHz; published in Hz)
//   kHex        "0x1003"    -> 4099                  (net class flags)
//   kOperstate  "up"        -> 6                     (IF_OPER_*: unknown 0, notpresent 1, down 2,
//                                                     lowerlayerdown 3, testing 4, dormant 5, up 6)
//   kSpeed      "1000"      -> 1000; "-1" -> kAbsent (the driver does not know the link speed)
//   kDuplex     "full"      -> 3                     (unknown 1, half 2, full 3)
#pragma once

#include <cstdint>
#include <string_view>

namespace sysring::broker::linux_instances {

enum class AttributeFormat : std::uint8_t {
  kDecimal,
  kKilohertz,
  kHex,
  kOperstate,
  kSpeed,
  kDuplex
};

struct AttributeValue {
  enum class Status : std::uint8_t {
    kOk,
    kAbsent,     // a well-formed text that means "no value" (speed -1)
    kMalformed,  // not what the format expects, or out of range for u64
  };
  Status status = Status::kMalformed;
  std::uint64_t value = 0;
};

// Decodes the whole text (one trailing newline and surrounding blanks allowed).
AttributeValue parse_attribute(AttributeFormat format, std::string_view text);

}  // namespace sysring::broker::linux_instances
