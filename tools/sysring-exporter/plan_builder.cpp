#include "plan_builder.hpp"

namespace sysring::exporter {

namespace {
constexpr std::string_view kCpuKeys[] = {"cpu"};
constexpr std::string_view kDeviceKeys[] = {"device"};
constexpr std::string_view kFilesystemKeys[] = {"device", "fstype", "mountpoint"};
constexpr std::string_view kNumaKeys[] = {"node"};
constexpr std::string_view kCgroupKeys[] = {"cgroup"};
}  // namespace

std::span<const std::string_view> identity_label_keys(InstanceDomain domain) {
  switch (domain) {
    case InstanceDomain::Cpu:
      return kCpuKeys;
    case InstanceDomain::Disk:
    case InstanceDomain::Netif:
      return kDeviceKeys;
    case InstanceDomain::Filesystem:
      return kFilesystemKeys;
    case InstanceDomain::Numa:
      return kNumaKeys;
    case InstanceDomain::Cgroup:
      return kCgroupKeys;
    default:
      return {};
  }
}

PlanBuilder::PlanBuilder(const Client& client, const ValueSnapshot& snapshot,
                         std::shared_ptr<const InstanceDirectory> directory,
                         const CollectorConfig& config, SeriesPlan& plan)
    : client_(client), snapshot_(snapshot), config_(config), plan_(plan) {
  plan_.families.clear();
  plan_.sample_count = 0;
  ++plan_.serial;
  plan_.epoch = client.epoch();
  plan_.directory_generation = directory->generation;
  plan_.directory = std::move(directory);
}

const Descriptor* PlanBuilder::find(std::string_view name) const {
  const auto id = client_.find(name);
  if (!id) return nullptr;
  const Descriptor* d = client_.descriptor(*id);
  return d != nullptr && d->available ? d : nullptr;
}

std::optional<double> PlanBuilder::number(std::string_view name) const {
  const Descriptor* d = find(name);
  if (d == nullptr || d->domain != InstanceDomain::None) return std::nullopt;
  Scalar value;
  if (snapshot_.scalar(*d, 0, value) != ReadStatus::kOk) return std::nullopt;
  return value.as_number();
}

PlannedFamily& PlanBuilder::family(std::string_view name, std::string_view help, MetricType type,
                                   std::string_view unit) {
  auto& family = plan_.families.emplace_back();
  for (std::size_t f = 0; f < kFormatCount; ++f) {
    append_family_header(family.headers[f], static_cast<Format>(f), name, help, type, unit);
  }
  return family;
}

void PlanBuilder::scalar(PlannedFamily& family, std::string_view name,
                         std::span<const LabelPair> labels, const ValueRef& ref) {
  auto& sample = family.samples.emplace_back();
  append_sample_prefix(sample.prefix, name, labels);
  sample.ref = ref;
  ++plan_.sample_count;
}

void PlanBuilder::text(PlannedFamily& family, std::string_view name,
                       const Descriptor& string_metric) {
  auto& sample = family.samples.emplace_back();
  sample.prefix.assign(name);
  sample.prefix += "{value=\"";
  sample.ref = ValueRef{.kind = ValueRef::Kind::kText, .family = &string_metric};
  ++plan_.sample_count;
}

void PlanBuilder::per_instance(PlannedFamily& family, std::string_view name,
                               std::span<const LabelPair> extra, const ValueRef& ref,
                               const InstanceFilter& keep) {
  const DomainInfo* domain = client_.domain(ref.family->domain);
  if (domain == nullptr) return;
  const auto keys = identity_label_keys(ref.family->domain);
  for (const Instance* instance : plan_.directory->live(ref.family->domain)) {
    if (keep && !keep(*instance)) continue;
    labels_.clear();
    for (const auto key : keys) {
      const std::string* value = instance->label(key);
      labels_.push_back({key, value != nullptr ? std::string_view(*value) : instance->name});
    }
    labels_.insert(labels_.end(), extra.begin(), extra.end());
    auto& sample = family.samples.emplace_back();
    append_sample_prefix(sample.prefix, name, labels_);
    sample.ref = ref;
    sample.ref.domain = domain;
    sample.ref.row = instance->row;
    sample.ref.live_registration = instance->registration | layout::kRegistrationLive;
    ++plan_.sample_count;
  }
}

}  // namespace sysring::exporter
