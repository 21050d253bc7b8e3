#include "rtnetlink_parser.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace sysring::broker::linux_instances {
namespace rtnetlink {

// As dev_seq_printf_stats() in Linux's net/core/net-procfs.c prints an interface's line of
// /proc/net/dev from the same dev_get_stats() that fills IFLA_STATS64: drop adds the missed
// errors, frame sums four kinds of receive error, carrier four kinds of transmit error. The sums
// are u64 and wrap as the kernel's do.
std::array<std::uint64_t, kNetdevFields> netdev_fields(const LinkStats64& s) {
  return {
      s.rx_bytes,
      s.rx_packets,
      s.rx_errors,
      s.rx_dropped + s.rx_missed_errors,
      s.rx_fifo_errors,
      s.rx_length_errors + s.rx_over_errors + s.rx_crc_errors + s.rx_frame_errors,
      s.rx_compressed,
      s.multicast,
      s.tx_bytes,
      s.tx_packets,
      s.tx_errors,
      s.tx_dropped,
      s.tx_fifo_errors,
      s.collisions,
      s.tx_carrier_errors + s.tx_aborted_errors + s.tx_window_errors + s.tx_heartbeat_errors,
      s.tx_compressed,
  };
}

}  // namespace rtnetlink

namespace {

using rtnetlink::align4;

template <class T>
T load(const std::byte* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  return value;
}

struct MessageHeader {
  std::uint32_t length = 0;
  std::uint16_t type = 0;
  std::uint16_t flags = 0;
  std::uint32_t seq = 0;
};

enum class Take : std::uint8_t { kMessage, kEnd, kMalformed };

// Takes the first message off `rest`: its header, and `message`, its `length` bytes.
Take take_message(std::span<const std::byte>& rest, MessageHeader& header,
                  std::span<const std::byte>& message) {
  if (rest.empty()) return Take::kEnd;
  if (rest.size() < rtnetlink::kMessageHeaderBytes) return Take::kMalformed;
  header.length = load<std::uint32_t>(rest.data());
  header.type = load<std::uint16_t>(rest.data() + 4);
  header.flags = load<std::uint16_t>(rest.data() + 6);
  header.seq = load<std::uint32_t>(rest.data() + 8);
  // A length below the header's would never advance; one past the bytes is a truncated read.
  if (header.length < rtnetlink::kMessageHeaderBytes || header.length > rest.size())
    return Take::kMalformed;
  message = rest.first(header.length);
  rest = rest.subspan(std::min(align4(header.length), rest.size()));
  return Take::kMessage;
}

// The i32 after the header of NLMSG_ERROR and NLMSG_DONE: 0 or -errno.
bool error_field(std::span<const std::byte> message, std::int32_t& error) {
  if (message.size() < rtnetlink::kMessageHeaderBytes + sizeof(std::int32_t)) return false;
  error = load<std::int32_t>(message.data() + rtnetlink::kMessageHeaderBytes);
  return true;
}

// -error as an errno value; EPROTO for what is not a negative errno (an ACK's 0 included).
int errno_of(std::int32_t error) {
  constexpr std::int32_t kLowestErrno = -4095;  // the kernel's MAX_ERRNO
  return error < 0 && error >= kLowestErrno ? -error : EPROTO;
}

template <class T>
bool read_number(std::span<const std::byte> payload, T& out) {
  if (payload.size() < sizeof(T)) return false;
  out = load<T>(payload.data());
  return true;
}

// A string attribute up to its NUL.
std::string_view c_string(std::span<const std::byte> payload) {
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  return text.substr(0, text.find('\0'));
}

void mark(LinkRecord& link, LinkAttribute a) {
  link.present |= 1U << static_cast<unsigned>(a);
}

// Reads one attribute into `link`; false when a payload is too short for its type.
bool read_attribute(std::uint16_t type, std::span<const std::byte> payload, LinkRecord& link) {
  switch (type) {
    case rtnetlink::kIfname:
      link.name = c_string(payload);
      return true;
    case rtnetlink::kIfalias:
      link.alias = c_string(payload);
      return true;
    case rtnetlink::kAddress:
      link.address = payload;
      return true;
    case rtnetlink::kBroadcast:
      link.broadcast = payload;
      return true;
    case rtnetlink::kCarrierUpCount:
      mark(link, LinkAttribute::kCarrierUpCount);
      return read_number(payload, link.carrier_up_count);
    case rtnetlink::kCarrierDownCount:
      mark(link, LinkAttribute::kCarrierDownCount);
      return read_number(payload, link.carrier_down_count);
    case rtnetlink::kMtu:
      mark(link, LinkAttribute::kMtu);
      return read_number(payload, link.mtu);
    case rtnetlink::kTxQueueLen:
      mark(link, LinkAttribute::kTxQueueLen);
      return read_number(payload, link.tx_queue_len);
    case rtnetlink::kOperstate:
      mark(link, LinkAttribute::kOperstate);
      return read_number(payload, link.operstate);
    case rtnetlink::kCarrier:
      mark(link, LinkAttribute::kCarrier);
      return read_number(payload, link.carrier);
    case rtnetlink::kCarrierChanges:
      mark(link, LinkAttribute::kCarrierChanges);
      return read_number(payload, link.carrier_changes);
    case rtnetlink::kStats64: {
      rtnetlink::LinkStats64 stats;
      if (!read_number(payload, stats)) return false;
      link.netdev = rtnetlink::netdev_fields(stats);
      mark(link, LinkAttribute::kStats64);
      if (payload.size() >= rtnetlink::kStats64WithNohandlerBytes) {
        link.rx_nohandler = load<std::uint64_t>(payload.data() + sizeof stats);
        mark(link, LinkAttribute::kRxNohandler);
      }
      return true;
    }
    default:
      return true;  // an attribute this source does not publish
  }
}

// An RTM_NEWLINK message: ifinfomsg, then attributes that must tile the rest of the message.
bool parse_link(std::span<const std::byte> message, LinkRecord& link) {
  constexpr std::size_t kAttributesAt =
      rtnetlink::kMessageHeaderBytes + align4(rtnetlink::kIfinfoBytes);
  if (message.size() < kAttributesAt) return false;
  link = LinkRecord{};
  const std::byte* ifinfo = message.data() + rtnetlink::kMessageHeaderBytes;
  link.index = load<std::int32_t>(ifinfo + 4);
  link.flags = load<std::uint32_t>(ifinfo + 8);
  std::span<const std::byte> rest = message.subspan(kAttributesAt);
  while (!rest.empty()) {
    if (rest.size() < rtnetlink::kAttributeHeaderBytes) return false;
    const auto length = load<std::uint16_t>(rest.data());
    const auto type = static_cast<std::uint16_t>(load<std::uint16_t>(rest.data() + 2) &
                                                 rtnetlink::kAttributeTypeMask);
    if (length < rtnetlink::kAttributeHeaderBytes || length > rest.size()) return false;
    const std::span<const std::byte> payload =
        rest.subspan(rtnetlink::kAttributeHeaderBytes, length - rtnetlink::kAttributeHeaderBytes);
    if (!read_attribute(type, payload, link)) return false;
    rest = rest.subspan(std::min(align4(length), rest.size()));
  }
  return true;
}

}  // namespace

bool LinkDumpReader::stop(DumpStatus status, int error) {
  stopped_ = true;
  status_ = status;
  error_ = error;
  return false;
}

bool LinkDumpReader::next(LinkRecord& out) {
  while (!stopped_) {
    MessageHeader header;
    std::span<const std::byte> message;
    switch (take_message(rest_, header, message)) {
      case Take::kEnd:
        return stop(DumpStatus::kUnfinished);
      case Take::kMalformed:
        return stop(DumpStatus::kMalformed);
      case Take::kMessage:
        break;
    }
    if ((header.flags & rtnetlink::kFlagDumpInterrupted) != 0) interrupted_ = true;
    std::int32_t error = 0;
    switch (header.type) {
      case rtnetlink::kNewLink:
        if (!parse_link(message, out)) return stop(DumpStatus::kMalformed);
        return true;
      case rtnetlink::kDone:
        // Kernels before the i32 was added send a bare header: a plain end.
        if (error_field(message, error) && error != 0)
          return stop(DumpStatus::kFailed, errno_of(error));
        return stop(DumpStatus::kDone);
      case rtnetlink::kError:
        if (!error_field(message, error)) return stop(DumpStatus::kMalformed);
        return stop(DumpStatus::kFailed, errno_of(error));
      case rtnetlink::kOverrun:
        return stop(DumpStatus::kFailed, ENOBUFS);
      default:
        break;  // NLMSG_NOOP, or a type a link dump does not send
    }
  }
  return false;
}

ChunkScan scan_chunk(std::span<const std::byte> chunk, std::uint32_t seq) {
  ChunkScan scan;
  MessageHeader header;
  std::span<const std::byte> message;
  for (;;) {
    const Take take = take_message(chunk, header, message);
    if (take == Take::kEnd) return scan;
    if (take == Take::kMalformed || header.seq != seq) {
      scan.malformed = true;
      return scan;
    }
    if ((header.flags & rtnetlink::kFlagDumpInterrupted) != 0) scan.interrupted = true;
    if (header.type == rtnetlink::kDone || header.type == rtnetlink::kError ||
        header.type == rtnetlink::kOverrun) {
      scan.ends_dump = true;
      return scan;
    }
  }
}

}  // namespace sysring::broker::linux_instances
