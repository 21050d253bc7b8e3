// The filesystem domain's owner on darwin: every mount in the getfsstat(MNT_NOWAIT) reply that
// the exclusion patterns leave in is an instance named after its mount point, with labels
// device (f_mntfromname), fstype and mountpoint. MNT_NOWAIT reads the kernel's cached statistics
// and never waits on a filesystem, so a hung network mount cannot stall the tick.
#include <string>
#include <vector>

#include "darwin_instance_factories.hpp"
#include "family_set.hpp"
#include "name_filter.hpp"
#include "statfs_decode.hpp"

namespace sysring::broker::darwin {
namespace {

constexpr std::string_view kPrefix = "getfsstat";
constexpr std::string_view kCall = "getfsstat";

std::optional<const MountField*> mount_field(std::string_view name) {
  if (const MountField* f = find_mount_field(name)) return f;
  return std::nullopt;
}

class FilesystemInstances final : public InstanceSource {
 public:
  FilesystemInstances(Rows rows, std::shared_ptr<InstanceSeam> seam, const std::string& fs_types,
                      const std::string& mount_points)
      : seam_(std::move(seam)),
        families_(rows, kPrefix, &mount_field),
        fs_types_(fs_types),
        mount_points_(mount_points) {
    if (const std::string& why = filter_error(); !why.empty()) {
      families_.unavailable_from_start(why);
      return;
    }
    std::size_t count = 0;
    if (const int err = seam_->read_mount_list(reply_); err != 0) {
      families_.unavailable_from_start(call_failed(kCall, err));
      return;
    }
    if (const DecodeStatus s = count_mounts(reply_, count); s != DecodeStatus::kOk) {
      families_.unavailable_from_start(std::string(kCall) + ": " + std::string(to_string(s)) +
                                       " (" + std::to_string(reply_.size()) + " bytes)");
      return;
    }
    index_mount_points(count);
    MountRecord m;
    for (std::size_t i = 0; i < count; ++i) {
      if (published(i, m)) ++at_start_;
    }
  }

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Filesystem; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return families_.ids(); }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return families_.availability(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return at_start_; }

  void refresh(InstanceSink& sink) override {
    std::size_t count = 0;
    if (!filter_error().empty() || seam_->read_mount_list(reply_) != 0 ||
        count_mounts(reply_, count) != DecodeStatus::kOk) {
      return;
    }
    index_mount_points(count);
    MountRecord m;
    for (std::size_t i = 0; i < count; ++i) {
      if (!published(i, m)) continue;
      const LabelView labels[] = {
          {"device", m.device}, {"fstype", m.fs_type}, {"mountpoint", m.mount_point}};
      const std::uint32_t row = sink.present(m.mount_point, labels);
      if (row == kNoRow) continue;
      for (const auto& f : families_.bound()) {
        sink.value(f.id, row, to_reading(decode_mount_field(m, *f.field)));
      }
    }
  }

 private:
  [[nodiscard]] const std::string& filter_error() const {
    return fs_types_.error().empty() ? mount_points_.error() : fs_types_.error();
  }

  // Every record's mount point, in reply order (empty for a record that does not decode).
  void index_mount_points(std::size_t count) {
    points_.clear();
    MountRecord m;
    for (std::size_t i = 0; i < count; ++i) {
      points_.push_back(decode_mount(reply_, i, m) == DecodeStatus::kOk ? m.mount_point
                                                                        : std::string_view{});
    }
  }

  // Whether record `i` of the reply is an instance (decoded into `m`): a readable record, not
  // excluded, and not mounted over. Of mounts on one path the last in the kernel's mount order
  // is on top, the one statfs(2) of the path would describe.
  bool published(std::size_t i, MountRecord& m) {
    if (decode_mount(reply_, i, m) != DecodeStatus::kOk) return false;
    if (fs_types_.excluded(m.fs_type) || mount_points_.excluded(m.mount_point)) return false;
    for (std::size_t j = i + 1; j < points_.size(); ++j) {
      if (points_[j] == m.mount_point) return false;
    }
    return true;
  }

  std::shared_ptr<InstanceSeam> seam_;
  FamilySet<const MountField*> families_;
  NameFilter fs_types_;
  NameFilter mount_points_;
  std::vector<std::uint8_t> reply_;
  std::vector<std::string_view> points_;  // into reply_, rebuilt by each read
  std::uint32_t at_start_ = 0;
};

}  // namespace

std::unique_ptr<InstanceSource> make_filesystem_instances(Rows rows,
                                                          std::shared_ptr<InstanceSeam> seam,
                                                          const std::string& fs_types_exclude,
                                                          const std::string& mount_points_exclude) {
  return std::make_unique<FilesystemInstances>(rows, std::move(seam), fs_types_exclude,
                                               mount_points_exclude);
}

}  // namespace sysring::broker::darwin
