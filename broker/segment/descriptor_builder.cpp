#include "descriptor_builder.hpp"

#include <stdexcept>

#include "descriptors_generated.h"

namespace sysring::broker {

std::vector<std::uint8_t> build_descriptor_table(
    std::span<const registry::RegistryEntry> entries, const ValueLayout& layout,
    std::string_view platform, std::uint64_t schema_hash,
    const std::function<const Availability&(std::uint16_t)>& availability,
    std::span<const Schedule> schedules, std::string_view counters_summary) {
  if (!schedules.empty() && schedules.size() != entries.size()) {
    throw std::invalid_argument("build_descriptor_table: one schedule per entry");
  }
  flatbuffers::FlatBufferBuilder fbb(std::size_t{16} * 1024);
  std::vector<flatbuffers::Offset<schema::MetricDescriptor>> metrics;
  metrics.reserve(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const registry::RegistryEntry& e = entries[i];
    const Schedule effective = schedules.empty() ? registry_schedule(e) : schedules[i];
    const Availability& a = availability(e.id);
    const ColumnPlan* column = layout.column(e.id);
    if (column == nullptr)
      throw std::invalid_argument("build_descriptor_table: entry not in layout");
    const auto name = fbb.CreateString(e.name);
    const auto category = fbb.CreateString(e.category);
    const auto unit = fbb.CreateString(e.unit);
    const auto description = fbb.CreateString(e.description);
    const auto source = fbb.CreateString(e.source);
    const auto reason = fbb.CreateString(a.reason);
    const auto detail =
        a.detail.empty() ? flatbuffers::Offset<flatbuffers::String>() : fbb.CreateString(a.detail);
    schema::MetricDescriptorBuilder d(fbb);
    d.add_id(static_cast<schema::MetricId>(e.id));
    d.add_name(name);
    d.add_category(category);
    d.add_type(e.type);
    d.add_unit(unit);
    d.add_kernel_pattern(e.kernel_pattern);
    d.add_recommended_pattern(e.recommended_pattern);
    d.add_ttl_ms(e.ttl_ms);
    d.add_description(description);
    d.add_source(source);
    d.add_available(a.available);
    d.add_unavailable_reason(reason);
    d.add_effective_pattern(effective.pattern);
    d.add_effective_ttl_ms(effective.ttl_ms);
    d.add_detail(detail);
    d.add_domain(e.domain);
    d.add_column(column->column);
    metrics.push_back(d.Finish());
  }
  std::vector<flatbuffers::Offset<schema::DomainDescriptor>> domains;
  for (const DomainPlan& plan : layout.domains()) {
    std::vector<flatbuffers::Offset<flatbuffers::String>> keys;
    for (const std::string_view key : domain_label_keys(plan.domain)) {
      keys.push_back(fbb.CreateString(key.data(), key.size()));
    }
    const std::string_view name = domain_name(plan.domain);
    domains.push_back(schema::CreateDomainDescriptor(
        fbb, plan.domain, fbb.CreateString(name.data(), name.size()), plan.capacity,
        plan.registration_column, fbb.CreateVector(keys)));
  }
  const auto domain_list = fbb.CreateVector(domains);
  const auto platform_name = fbb.CreateString(platform.data(), platform.size());
  const auto list = fbb.CreateVector(metrics);
  const auto counters = fbb.CreateString(counters_summary.data(), counters_summary.size());
  schema::DescriptorTableBuilder table(fbb);
  table.add_schema_hash(schema_hash);
  table.add_platform(platform_name);
  table.add_metrics(list);
  table.add_counters(counters);
  table.add_domains(domain_list);
  table.add_value_words(layout.words());
  schema::FinishDescriptorTableBuffer(fbb, table.Finish());
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

}  // namespace sysring::broker
