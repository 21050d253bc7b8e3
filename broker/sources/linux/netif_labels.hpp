// The labels of a netif instance beside `device`: address and broadcast (the hardware addresses
// as sysfs prints them) and ifalias (empty when none is set). Pure helpers; the source reads
// them from the rtnetlink dump or, over fixture trees, from the sysfs files of the same names.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace sysring::broker::linux_instances {

// "52:54:00:12:34:56": lower-case hex bytes joined by ':', as sysfs prints dev_addr (and as
// IFLA_ADDRESS carries it); empty for no bytes. Reuses `out`'s storage.
void format_hardware_address(std::span<const std::byte> bytes, std::string& out);

// A sysfs label file's text without its trailing newline ("uplink\n" -> "uplink").
std::string_view label_text(std::string_view contents);

}  // namespace sysring::broker::linux_instances
