#include "rtnetlink_dumper.hpp"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <span>

#include "rtnetlink_parser.hpp"

namespace sysring::broker::linux_instances {
namespace {

// The portable parser restates the kernel's layouts and numbers: hold it to them here.
static_assert(rtnetlink::kMessageHeaderBytes == sizeof(nlmsghdr));
static_assert(rtnetlink::kIfinfoBytes == sizeof(ifinfomsg));
static_assert(rtnetlink::kAttributeHeaderBytes == sizeof(rtattr));
static_assert(offsetof(ifinfomsg, ifi_index) == 4 && offsetof(ifinfomsg, ifi_flags) == 8);
static_assert(offsetof(nlmsghdr, nlmsg_type) == 4 && offsetof(nlmsghdr, nlmsg_flags) == 6 &&
              offsetof(nlmsghdr, nlmsg_seq) == 8);
static_assert(rtnetlink::kNoop == NLMSG_NOOP && rtnetlink::kError == NLMSG_ERROR &&
              rtnetlink::kDone == NLMSG_DONE && rtnetlink::kOverrun == NLMSG_OVERRUN);
static_assert(rtnetlink::kNewLink == RTM_NEWLINK && rtnetlink::kGetLink == RTM_GETLINK);
static_assert(rtnetlink::kFlagRequest == NLM_F_REQUEST && rtnetlink::kFlagDump == NLM_F_DUMP &&
              rtnetlink::kFlagDumpInterrupted == NLM_F_DUMP_INTR);
static_assert(rtnetlink::kIfname == IFLA_IFNAME && rtnetlink::kMtu == IFLA_MTU &&
              rtnetlink::kTxQueueLen == IFLA_TXQLEN && rtnetlink::kOperstate == IFLA_OPERSTATE &&
              rtnetlink::kStats64 == IFLA_STATS64 && rtnetlink::kCarrier == IFLA_CARRIER &&
              rtnetlink::kCarrierChanges == IFLA_CARRIER_CHANGES);
static_assert(rtnetlink::kAddress == IFLA_ADDRESS && rtnetlink::kBroadcast == IFLA_BROADCAST &&
              rtnetlink::kIfalias == IFLA_IFALIAS &&
              rtnetlink::kCarrierUpCount == IFLA_CARRIER_UP_COUNT &&
              rtnetlink::kCarrierDownCount == IFLA_CARRIER_DOWN_COUNT);
static_assert(rtnetlink::kStats64WithNohandlerBytes ==
              offsetof(rtnl_link_stats64, rx_nohandler) + sizeof(__u64));
static_assert(rtnetlink::kAttributeTypeMask == (NLA_TYPE_MASK & 0xffff));
static_assert(rtnetlink::kIffUp == IFF_UP);
static_assert(rtnetlink::align4(5) == NLMSG_ALIGN(5));
static_assert(rtnetlink::align4(5) == RTA_ALIGN(5));

using Stats = rtnetlink::LinkStats64;
static_assert(offsetof(Stats, rx_bytes) == offsetof(rtnl_link_stats64, rx_bytes) &&
              offsetof(Stats, multicast) == offsetof(rtnl_link_stats64, multicast) &&
              offsetof(Stats, collisions) == offsetof(rtnl_link_stats64, collisions) &&
              offsetof(Stats, rx_missed_errors) == offsetof(rtnl_link_stats64, rx_missed_errors) &&
              offsetof(Stats, tx_window_errors) == offsetof(rtnl_link_stats64, tx_window_errors) &&
              offsetof(Stats, tx_compressed) == offsetof(rtnl_link_stats64, tx_compressed));
static_assert(sizeof(Stats) <= sizeof(rtnl_link_stats64));

// RTEXT_FILTER_SKIP_STATS leaves out what only other readers want: per-protocol statistics
// (IPv6's IFLA_INET6_STATS and ICMP6 statistics, summed over every CPU for each link) and VF
// statistics. IFLA_STATS64 is in every link message whatever the mask.
struct LinkDumpRequest {
  nlmsghdr header;
  ifinfomsg ifinfo;
  rtattr ext_mask_header;
  std::uint32_t ext_mask;
};
static_assert(sizeof(LinkDumpRequest) ==
              NLMSG_LENGTH(sizeof(ifinfomsg)) + RTA_LENGTH(sizeof(std::uint32_t)));

constexpr int kDumpAttempts = 3;  // a cut chunk and an interrupted dump may each ask again

}  // namespace

RtnetlinkDumper::RtnetlinkDumper() {
  open_socket();
}

RtnetlinkDumper::~RtnetlinkDumper() {
  close_socket();
}

int RtnetlinkDumper::open_socket() {
  fd_ = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  return fd_ < 0 ? errno : 0;
}

void RtnetlinkDumper::close_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

LinkDump RtnetlinkDumper::fail(std::string_view step, int error) {
  close_socket();
  return {error, step, {}};
}

// At least `room` bytes free after `used`, keeping the first `used`; false past kMaxCapacity.
bool RtnetlinkDumper::reserve(std::size_t used, std::size_t room) {
  if (capacity_ - used >= room) return true;
  if (used + room > kMaxCapacity) return false;
  const std::size_t grown = std::min(std::max(2 * capacity_, used + room), kMaxCapacity);
  auto bigger = std::make_unique<std::byte[]>(grown);
  if (used > 0) std::memcpy(bigger.get(), buffer_.get(), used);
  buffer_ = std::move(bigger);
  capacity_ = grown;
  return true;
}

LinkDump RtnetlinkDumper::dump() {
  LinkDump result;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    bool ask_again = false;
    result = dump_once(ask_again);
    if (!ask_again) break;
  }
  return result;
}

LinkDump RtnetlinkDumper::dump_once(bool& ask_again) {
  if (fd_ < 0) {
    const int err = open_socket();
    if (err != 0) return fail("socket", err);
  }
  ++seq_;
  LinkDumpRequest request{};
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_GETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  request.header.nlmsg_seq = seq_;
  request.ifinfo.ifi_family = AF_UNSPEC;
  request.ext_mask_header.rta_len = RTA_LENGTH(sizeof request.ext_mask);
  request.ext_mask_header.rta_type = IFLA_EXT_MASK;
  request.ext_mask = RTEXT_FILTER_SKIP_STATS;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  ssize_t sent = 0;
  do {
    sent = ::sendto(fd_, &request, sizeof request, 0, reinterpret_cast<const sockaddr*>(&kernel),
                    sizeof kernel);
  } while (sent < 0 && errno == EINTR);
  if (sent < 0) return fail("sendto", errno);

  std::size_t used = 0;
  bool interrupted = false;
  for (;;) {
    if (!reserve(used, chunk_room_)) return fail("recvmsg", EFBIG);
    sockaddr_nl from{};
    iovec io{buffer_.get() + used, capacity_ - used};
    msghdr message{};
    message.msg_name = &from;
    message.msg_namelen = sizeof from;
    message.msg_iov = &io;
    message.msg_iovlen = 1;
    // MSG_TRUNC: the return value is the chunk's whole length even when it did not fit.
    const ssize_t n = ::recvmsg(fd_, &message, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("recvmsg", errno);
    }
    const auto length = static_cast<std::size_t>(n);
    if ((message.msg_flags & MSG_TRUNC) != 0 || length > capacity_ - used) {
      chunk_room_ = std::max(chunk_room_, length);
      ask_again = true;
      return fail("recvmsg", EMSGSIZE);
    }
    if (from.nl_pid != 0) continue;  // another socket's message, not the kernel's reply
    const ChunkScan scan = scan_chunk(std::span(buffer_.get() + used, length), seq_);
    if (scan.malformed) return fail("reply", EPROTO);
    interrupted = interrupted || scan.interrupted;
    used += length;
    if (scan.ends_dump) break;
  }
  ask_again = interrupted;
  return {0, {}, std::span<const std::byte>(buffer_.get(), used)};
}

}  // namespace sysring::broker::linux_instances
