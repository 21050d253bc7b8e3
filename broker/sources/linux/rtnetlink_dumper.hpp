// The kernel's links over one NETLINK_ROUTE socket kept open: a dump sends one RTM_GETLINK
// request (NLM_F_DUMP) and receives the reply chunk by chunk until NLMSG_DONE, into one buffer
// reused from dump to dump. The buffer grows only when a reply outgrows it (more interfaces),
// so a steady-state dump does not allocate: one sendto and one or two recvmsg.
//
// - Chunks are received with MSG_DONTWAIT: the kernel queues the first chunk while it handles
//   the request and each next one before recvmsg hands over the previous, so a dump in progress
//   never has to wait. EAGAIN means the dump stalled: it fails rather than block the tick.
// - A chunk larger than the room left is cut short (MSG_TRUNC): the room grows to hold it and the
//   dump is asked again.
// - A dump that fails halfway leaves the rest of its reply queued and the kernel's dump state on
//   the socket (a new request would get EBUSY): the socket is closed, and opened again by the
//   next dump.
// - A reply flagged NLM_F_DUMP_INTR (the interface list changed during the dump) is asked again;
//   after three dumps in all (cut chunks included) the last one is returned as it is.
// Chunks not from the kernel (whose port is 0) are ignored; a message of another request (its
// seq) or a header out of bounds fails the dump.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "link_dumper.hpp"

namespace sysring::broker::linux_instances {

class RtnetlinkDumper final : public LinkDumper {
 public:
  // Opens the socket; when that fails, each dump() tries again and reports the error.
  RtnetlinkDumper();
  ~RtnetlinkDumper() override;
  RtnetlinkDumper(const RtnetlinkDumper&) = delete;
  RtnetlinkDumper& operator=(const RtnetlinkDumper&) = delete;
  RtnetlinkDumper(RtnetlinkDumper&&) = delete;
  RtnetlinkDumper& operator=(RtnetlinkDumper&&) = delete;

  LinkDump dump() override;

  // The room each recvmsg offers. The kernel fills a dump's chunks up to the room the socket's
  // reads have offered, at most 32 KiB; a single link message larger than that comes whole, in a
  // chunk of its own, and the room grows to it.
  static constexpr std::size_t kChunkRoom = std::size_t{32} << 10;
  static constexpr std::size_t kMaxCapacity = std::size_t{16} << 20;  // runaway guard

 private:
  LinkDump dump_once(bool& ask_again);
  LinkDump fail(std::string_view step, int error);
  bool reserve(std::size_t used, std::size_t room);
  int open_socket();
  void close_socket();

  int fd_ = -1;
  std::uint32_t seq_ = 0;
  std::unique_ptr<std::byte[]> buffer_;
  std::size_t capacity_ = 0;
  std::size_t chunk_room_ = kChunkRoom;  // free room each recvmsg is given
};

}  // namespace sysring::broker::linux_instances
