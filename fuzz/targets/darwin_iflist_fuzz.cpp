// A NET_RT_IFLIST2 sysctl reply (broker/sources/darwin/iflist_decode.cpp): the walk over its
// if_msghdr2 messages, each interface's name from its sockaddr_dl, and every field of each.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/darwin/iflist_decode.hpp"

namespace darwin = sysring::broker::darwin;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::array<std::string_view, 16> kFields = {
      "ibytes",  "obytes",     "ipackets", "opackets", "ierrors",  "oerrors", "imcasts", "omcasts",
      "iqdrops", "collisions", "noproto",  "mtu",      "baudrate", "flags",   "up",      "running"};
  darwin::IflistWalker walker(darwin::Bytes(data, size));
  darwin::InterfaceMessage message;
  for (std::size_t n = 0; walker.next(message); ++n) {
    if (n > size || message.message.size() < darwin::kIfMsghdr2Bytes) __builtin_trap();
    (void)darwin::interface_name(message.message);
    for (const std::string_view name : kFields) {
      const darwin::InterfaceField* field = darwin::find_interface_field(name);
      if (field == nullptr) __builtin_trap();
      (void)darwin::decode_interface_field(message.message, *field);
    }
  }
  (void)walker.status();
  (void)darwin::interface_name(darwin::Bytes(data, size));
  return 0;
}
