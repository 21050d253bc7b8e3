// `sysring list`: the descriptor table, the metrics this broker reads (with --all, also those it
// cannot read here, with the reason). A family shows its domain and how many instances it has
// now. Needs no live values, so it works on a stale broker.
#include <array>
#include <optional>

#include "broker_session.hpp"
#include "exit_codes.hpp"
#include "format.hpp"
#include "json_writer.hpp"
#include "output.hpp"
#include "table.hpp"
#include "value_output.hpp"
#include "verbs.hpp"

namespace sysring::cli {

namespace {

std::string availability_text(const Descriptor& d) {
  if (d.available) return "yes";
  return d.unavailable_reason.empty() ? "no" : "no: " + d.unavailable_reason;
}

// Live instances per domain, from one copy of the directory; nullopt while the broker has not
// published one (the descriptors are still worth listing then).
using InstanceCounts = std::array<std::uint64_t, kDomainCount>;

std::optional<InstanceCounts> count_instances(const Client& client) {
  InstanceCounts counts{};
  try {
    for (const Instance& i : client.instances()->instances) {
      if (i.live && domain_index(i.domain) < counts.size()) ++counts[domain_index(i.domain)];
    }
  } catch (const Error&) {
    return std::nullopt;
  }
  return counts;
}

// A family's live instances; nullopt without a directory.
std::optional<std::uint64_t> live_count(const Descriptor& family,
                                        const std::optional<InstanceCounts>& counts) {
  const std::size_t domain = domain_index(family.domain);
  if (!counts || domain >= counts->size()) return std::nullopt;
  return (*counts)[domain];
}

// The INSTANCES column: "?" without a directory.
std::string instances_cell(const Descriptor& family, const std::optional<InstanceCounts>& counts) {
  const auto count = live_count(family, counts);
  return count ? std::to_string(*count) : "?";
}

std::vector<const Descriptor*> listed(const Client& client, bool all) {
  std::vector<const Descriptor*> out;
  for (const Descriptor& d : client.descriptors()) {
    if (all || d.available) out.push_back(&d);
  }
  return out;
}

void print_json(const Client& client, const std::vector<const Descriptor*>& descriptors,
                const std::optional<InstanceCounts>& counts) {
  JsonWriter json;
  json.begin_object()
      .field("segment", client.info().name)
      .field("platform", client.platform())
      .field("counters", client.counters_summary());
  json.key("metrics").begin_array();
  for (const Descriptor* d : descriptors) {
    json.begin_object();
    write_identity_fields(json, *d);
    if (d->domain == InstanceDomain::None) {
      json.key("domain").null().key("instances").null();
    } else {
      json.field("domain", domain_name(d->domain)).key("instances");
      if (const auto count = live_count(*d, counts)) {
        json.value(*count);
      } else {
        json.null();
      }
    }
    json.field("kernel_pattern", pattern_name(d->kernel_pattern))
        .field("recommended_pattern", pattern_name(d->recommended_pattern))
        .field("ttl_ms", d->ttl_ms)
        .field("effective_pattern", pattern_name(d->effective_pattern))
        .field("effective_ttl_ms", d->effective_ttl_ms)
        .field("available", d->available)
        .field("unavailable_reason", d->unavailable_reason)
        .field("source", d->source)
        .field("detail", d->detail)
        .field("description", d->description)
        .end_object();
  }
  json.end_array().end_object();
  write_line(json.str());
}

}  // namespace

int run_list(const CliOptions& options) {
  const Client client = open_client(options);
  const std::vector<const Descriptor*> descriptors = listed(client, options.all);
  const std::optional<InstanceCounts> counts = count_instances(client);
  if (options.json) {
    print_json(client, descriptors, counts);
    return kExitOk;
  }
  // EFFECTIVE and EVERY: the schedule the broker follows after its config file's overrides.
  Table table({"ID", "NAME", "CATEGORY", "DOMAIN", "INSTANCES", "TYPE", "UNIT", "KERNEL",
               "RECOMMENDED", "TTL", "EFFECTIVE", "EVERY", "AVAILABLE"});
  table.align_right(0);
  table.align_right(4);
  table.align_right(9);
  table.align_right(11);
  for (const Descriptor* d : descriptors) {
    const bool scalar = d->domain == InstanceDomain::None;
    table.add_row({std::to_string(static_cast<unsigned>(d->id)), printable(d->name),
                   printable(d->category), scalar ? "-" : std::string(domain_name(d->domain)),
                   scalar ? "-" : instances_cell(*d, counts), type_name(d->type),
                   d->unit.empty() ? "-" : printable(d->unit), pattern_name(d->kernel_pattern),
                   pattern_name(d->recommended_pattern), format_ttl(d->ttl_ms),
                   pattern_name(d->effective_pattern), format_ttl(d->effective_ttl_ms),
                   printable(availability_text(*d))});
  }
  write_stdout(table.render());
  return kExitOk;
}

}  // namespace sysring::cli
