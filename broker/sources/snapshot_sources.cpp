#include "sources/snapshot_sources.hpp"

#include <algorithm>
#include <array>

#include "sources/file_snapshots.hpp"

namespace sysring::broker {
namespace {

constexpr std::array<std::string_view, 5> kKinds = {"timex", "conntrack_stat", "udp_queues",
                                                    "selinux", "os_release"};

// "timex:offset" -> "timex"; empty when the source names no snapshot kind.
std::string_view kind_of(std::string_view source) {
  const std::size_t colon = source.find(':');
  if (colon == std::string_view::npos) return {};
  const std::string_view kind = source.substr(0, colon);
  return std::find(kKinds.begin(), kKinds.end(), kind) != kKinds.end() ? kind : std::string_view{};
}

std::unique_ptr<Snapshot> make_snapshot(std::string_view kind, const SnapshotPaths& paths) {
  if (kind == "timex") return std::make_unique<TimexSnapshot>(paths.adjtimex);
  if (kind == "conntrack_stat") return std::make_unique<ConntrackStatSnapshot>(paths.proc_root);
  if (kind == "udp_queues") return std::make_unique<UdpQueuesSnapshot>(paths.proc_root);
  if (kind == "selinux") return std::make_unique<SelinuxSnapshot>(paths.sys_root);
  return std::make_unique<OsReleaseSnapshot>(paths.os_release);
}

}  // namespace

bool is_snapshot_source(std::string_view source) {
  return !kind_of(source).empty();
}

SnapshotSources::SnapshotSources(std::span<const registry::RegistryEntry> entries,
                                 const SnapshotPaths& paths) {
  std::uint16_t max_id = 0;
  for (const auto& entry : entries) max_id = std::max(max_id, entry.id);
  slot_of_id_.assign(std::size_t{max_id} + 1, kNone);
  for (const auto& entry : entries) {
    if (slot_of_id_[entry.id] != kNone) continue;  // duplicate id: the first row wins
    slot_of_id_[entry.id] = static_cast<std::uint32_t>(slots_.size());
    Slot slot;
    const std::string_view kind = kind_of(entry.source);
    if (entry.platform != "linux") {
      slot.availability.reason =
          "not a linux metric (platform '" + std::string(entry.platform) + "')";
    } else if (kind.empty()) {
      slot.availability.reason = "bad source '" + std::string(entry.source) + "': not a snapshot";
    } else {
      const std::uint32_t s = snapshot_for(kind, paths);
      std::string reason;
      const auto index =
          snapshots_[s].snapshot->bind(entry.source.substr(kind.size() + 1), entry.type, reason);
      if (index) {
        slot.snapshot = s;
        slot.value = *index;
      } else {
        slot.availability.reason = "bad source '" + std::string(entry.source) + "': " + reason;
      }
    }
    slots_.push_back(std::move(slot));
  }
  // The first take decides what this machine has.
  for (Taken& t : snapshots_) t.snapshot->take();
  for (Slot& slot : slots_) {
    if (slot.snapshot == kNone) continue;
    const Snapshot& snapshot = *snapshots_[slot.snapshot].snapshot;
    if (snapshot.value(slot.value).status == layout::SlotStatus::kOk) {
      slot.availability.available = true;
    } else {
      slot.availability.reason = snapshot.why(slot.value);
      slot.snapshot = kNone;
    }
  }
}

std::uint32_t SnapshotSources::snapshot_for(std::string_view kind, const SnapshotPaths& paths) {
  const auto it = std::find(kinds_.begin(), kinds_.end(), kind);
  if (it != kinds_.end()) return static_cast<std::uint32_t>(it - kinds_.begin());
  kinds_.emplace_back(kind);
  snapshots_.push_back({make_snapshot(kind, paths)});
  return static_cast<std::uint32_t>(snapshots_.size() - 1);
}

const Availability& SnapshotSources::availability(std::uint16_t id) const {
  static const Availability kUnknownId{false, "unknown metric id"};
  if (id >= slot_of_id_.size() || slot_of_id_[id] == kNone) return kUnknownId;
  return slots_[slot_of_id_[id]].availability;
}

Reading SnapshotSources::read(std::uint16_t id) {
  if (id >= slot_of_id_.size() || slot_of_id_[id] == kNone) {
    return {layout::SlotStatus::kUnavailable, 0};
  }
  const Slot& slot = slots_[slot_of_id_[id]];
  if (slot.snapshot == kNone) return {layout::SlotStatus::kUnavailable, 0};
  Taken& taken = snapshots_[slot.snapshot];
  if (taken.tick != tick_) {
    taken.tick = tick_;
    taken.snapshot->take();
  }
  return taken.snapshot->value(slot.value);
}

}  // namespace sysring::broker
