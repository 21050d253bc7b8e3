// The seam between the netif source and the kernel's list of links: one call returns the whole
// reply to an rtnetlink RTM_GETLINK dump (rtnetlink_parser.hpp reads it). The real one talks to
// a NETLINK_ROUTE socket (rtnetlink_dumper.hpp); tests hand over canned bytes.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace sysring::broker::linux_instances {

struct LinkDump {
  // 0, or the errno value of what failed; `bytes` is then empty.
  int error = 0;
  // What failed, for a reason ("socket", "recvmsg", "reply"); empty when error is 0.
  std::string_view step;
  // Every message of the reply, up to and including its NLMSG_DONE (or NLMSG_ERROR). Valid until
  // the next dump().
  std::span<const std::byte> bytes;
};

class LinkDumper {
 public:
  virtual ~LinkDumper() = default;
  // Asks the kernel for every link and returns its whole reply. Never throws.
  virtual LinkDump dump() = 0;
};

}  // namespace sysring::broker::linux_instances
