// The cpu domain's owner on darwin: per-CPU tick counts from host_processor_info. Every CPU the
// kernel lists is an instance "cpu<N>" with label cpu="<N>"; the names are built when a CPU is
// first seen, so a steady refresh allocates nothing.
#include <string>
#include <vector>

#include "darwin_instance_factories.hpp"
#include "family_set.hpp"
#include "host_cpu_decode.hpp"

namespace sysring::broker::darwin {
namespace {

constexpr std::string_view kCall = "host_processor_info";

std::optional<CpuState> cpu_field(std::string_view name) {
  return cpu_state_by_name(name);
}

class CpuInstances final : public InstanceSource {
 public:
  CpuInstances(Rows rows, std::shared_ptr<InstanceSeam> seam)
      : seam_(std::move(seam)), families_(rows, kCall, &cpu_field) {
    if (const int err = seam_->read_cpu_load(reply_); err != 0) {
      families_.unavailable_from_start(call_failed(kCall, err));
      return;
    }
    std::size_t count = 0;
    if (const DecodeStatus s = count_cpus(reply_, count); s != DecodeStatus::kOk) {
      families_.unavailable_from_start(std::string(kCall) + ": " + std::string(to_string(s)) +
                                       " (" + std::to_string(reply_.size()) + " bytes)");
      return;
    }
    at_start_ = static_cast<std::uint32_t>(count);
  }

  [[nodiscard]] InstanceDomain domain() const override { return InstanceDomain::Cpu; }
  [[nodiscard]] std::span<const std::uint16_t> families() const override { return families_.ids(); }
  [[nodiscard]] const Availability& availability(std::uint16_t family) const override {
    return families_.availability(family);
  }
  [[nodiscard]] std::uint32_t instances_at_start() const override { return at_start_; }

  void refresh(InstanceSink& sink) override {
    std::size_t count = 0;
    if (seam_->read_cpu_load(reply_) != 0 || count_cpus(reply_, count) != DecodeStatus::kOk) {
      return;  // nothing reported: every CPU instance is gone until the call works again
    }
    name_cpus(count);
    const Bytes reply(reply_);
    for (std::size_t cpu = 0; cpu < count; ++cpu) {
      const LabelView label{"cpu", numbers_[cpu]};
      const std::uint32_t row = sink.present(names_[cpu], {&label, 1});
      if (row == kNoRow) continue;
      for (const auto& f : families_.bound()) {
        sink.value(f.id, row, to_reading(decode_cpu_ticks(reply, cpu, f.field)));
      }
    }
  }

 private:
  void name_cpus(std::size_t count) {
    while (names_.size() < count) {
      numbers_.push_back(std::to_string(names_.size()));
      names_.push_back("cpu" + numbers_.back());
    }
  }

  std::shared_ptr<InstanceSeam> seam_;
  FamilySet<CpuState> families_;
  std::vector<std::uint8_t> reply_;
  std::vector<std::string> numbers_;  // "0", "1", ...: the cpu label
  std::vector<std::string> names_;    // "cpu0", "cpu1", ...
  std::uint32_t at_start_ = 0;
};

}  // namespace

std::unique_ptr<InstanceSource> make_cpu_instances(Rows rows, std::shared_ptr<InstanceSeam> seam) {
  return std::make_unique<CpuInstances>(rows, std::move(seam));
}

}  // namespace sysring::broker::darwin
