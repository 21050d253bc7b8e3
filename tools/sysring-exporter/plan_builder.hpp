// Builds a SeriesPlan: the node_exporter-compatible families (node_families.cpp) and sysring's
// own (sysring_families.cpp) both add families and samples through this one class, which
// formats headers and label sets once and remembers which sysring families were exported under
// a node_exporter name (those are not exported a second time as sysring_*).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "collectors.hpp"
#include "series_plan.hpp"

namespace sysring::exporter {

// The labels that identify an instance in its domain, in node_exporter's spelling: `cpu`,
// `device`, `device`/`fstype`/`mountpoint`, `node`, `cgroup`.
[[nodiscard]] std::span<const std::string_view> identity_label_keys(InstanceDomain domain);

class PlanBuilder {
 public:
  PlanBuilder(const Client& client, const ValueSnapshot& snapshot,
              std::shared_ptr<const InstanceDirectory> directory, const CollectorConfig& config,
              SeriesPlan& plan);

  [[nodiscard]] const Client& client() const noexcept { return client_; }
  [[nodiscard]] const CollectorConfig& config() const noexcept { return config_; }
  [[nodiscard]] const InstanceDirectory& directory() const noexcept { return *plan_.directory; }

  // An available descriptor by name, else nullptr.
  [[nodiscard]] const Descriptor* find(std::string_view name) const;
  // The current value of a scalar (for scales such as clock ticks or the page size).
  [[nodiscard]] std::optional<double> number(std::string_view name) const;

  PlannedFamily& family(std::string_view name, std::string_view help, MetricType type,
                        std::string_view unit);
  // A scalar's sample. `ref.family` must be a scalar (domain None).
  void scalar(PlannedFamily& family, std::string_view name, std::span<const LabelPair> labels,
              const ValueRef& ref);
  // One sample per live instance of `ref.family`'s domain that `keep` accepts (all when empty):
  // its identity labels, then `extra`.
  using InstanceFilter = std::function<bool(const Instance&)>;
  void per_instance(PlannedFamily& family, std::string_view name, std::span<const LabelPair> extra,
                    const ValueRef& ref, const InstanceFilter& keep = {});

  // A string metric as `name{value="<text>"} 1`, read when rendered.
  void text(PlannedFamily& family, std::string_view name, const Descriptor& string_metric);
  [[nodiscard]] std::size_t family_count() const noexcept { return plan_.families.size(); }

  // Marks a sysring family as exported under another name.
  void consume(const Descriptor& family) { consumed_.insert(family.id); }
  [[nodiscard]] bool consumed(MetricId id) const { return consumed_.contains(id); }

 private:
  const Client& client_;
  const ValueSnapshot& snapshot_;
  const CollectorConfig& config_;
  SeriesPlan& plan_;
  std::unordered_set<MetricId> consumed_;
  std::vector<LabelPair> labels_;  // scratch
};

}  // namespace sysring::exporter
