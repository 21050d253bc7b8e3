// The netif domain's owner on darwin: every interface in the NET_RT_IFLIST2 reply that the
// exclusion pattern leaves in is an instance named after it, with label device.
#include <string>
#include <vector>

#include "darwin_instance_factories.hpp"
#include "family_set.hpp"
#include "iflist_decode.hpp"
#include "name_filter.hpp"

namespace sysring::broker::darwin {
namespace {

constexpr std::string_view kPrefix = "iflist2";
constexpr std::string_view kCall = "sysctl NET_RT_IFLIST2";

std::optional<const InterfaceField*> interface_field(std::string_view name) {
  if (const InterfaceField* f = find_interface_field(name)) return f;
  return std::nullopt;
}

class NetifInstances final : public InstanceSource {
 public:
  NetifInstances(Rows rows, std::shared_ptr<InstanceSeam> seam, const std::string& exclude)
      : seam_(std::move(seam)), families_(rows, kPrefix, &interface_field), filter_(exclude) {
    if (!filter_.error().empty()) {
      families_.unavailable_from_start(filter_.error());
      return;
    }
    if (const int err = seam_->read_interface_list(reply_); err != 0) {
      families_.unavailable_from_start(call_failed(kCall, err));
      return;
    }
    IflistWalker walk(reply_);
    InterfaceMessage m;
    while (walk.next(m)) {
      if (!filter_.excluded(m.name)) ++at_start_;
    }
    if (at_start_ == 0 && walk.status() != DecodeStatus::kOk) {
      families_.unavailable_from_start(std::string(kCall) + ": " +
                                       std::string(to_string(walk.status())));
    }
  }

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Netif; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return families_.ids(); }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return families_.availability(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return at_start_; }

  // A reply whose walk stops at a broken message reports the interfaces before the break.
  void refresh(InstanceSink& sink) override {
    if (!filter_.error().empty() || seam_->read_interface_list(reply_) != 0) return;
    IflistWalker walk(reply_);
    InterfaceMessage m;
    while (walk.next(m)) {
      if (filter_.excluded(m.name)) continue;
      const LabelView label{"device", m.name};
      const std::uint32_t row = sink.present(m.name, {&label, 1});
      if (row == kNoRow) continue;
      for (const auto& f : families_.bound()) {
        sink.value(f.id, row, to_reading(decode_interface_field(m.message, *f.field)));
      }
    }
  }

 private:
  std::shared_ptr<InstanceSeam> seam_;
  FamilySet<const InterfaceField*> families_;
  NameFilter filter_;
  std::vector<std::uint8_t> reply_;
  std::uint32_t at_start_ = 0;
};

}  // namespace

std::unique_ptr<InstanceSource> make_netif_instances(Rows rows, std::shared_ptr<InstanceSeam> seam,
                                                     const std::string& device_exclude) {
  return std::make_unique<NetifInstances>(rows, std::move(seam), device_exclude);
}

}  // namespace sysring::broker::darwin
