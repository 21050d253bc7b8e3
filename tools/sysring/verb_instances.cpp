// `sysring instances [DOMAIN]`: the broker's instance directory, what per-instance families have
// values for: every instance with its labels, live ones and the removed ones it still lists.
#include <algorithm>
#include <optional>

#include "broker_session.hpp"
#include "exit_codes.hpp"
#include "format.hpp"
#include "instance_text.hpp"
#include "json_writer.hpp"
#include "output.hpp"
#include "table.hpp"
#include "verbs.hpp"

namespace sysring::cli {
namespace {

// "cpu, disk, netif, filesystem, numa, cgroup"
std::string domain_list() {
  std::string out;
  for (std::size_t i = 1; i < kDomainCount; ++i) {
    out += (out.empty() ? "" : ", ") + std::string(domain_name(static_cast<InstanceDomain>(i)));
  }
  return out;
}

std::optional<InstanceDomain> domain_argument(const CliOptions& options) {
  if (options.args.empty()) return std::nullopt;
  const std::string& name = options.args.front();
  const auto domain = domain_by_name(name);
  if (!domain) {
    throw usage_error("unknown domain '" + printable(name) + "' (domains: " + domain_list() + ")");
  }
  return domain;
}

// By domain, then name in natural order, a live instance before removed ones of the same name.
std::vector<const Instance*> shown(const InstanceDirectory& directory,
                                   std::optional<InstanceDomain> only) {
  std::vector<const Instance*> out;
  for (const Instance& i : directory.instances) {
    if (!only || i.domain == *only) out.push_back(&i);
  }
  std::sort(out.begin(), out.end(), [](const Instance* a, const Instance* b) {
    if (a->domain != b->domain) return a->domain < b->domain;
    if (a->name != b->name) return natural_less(a->name, b->name);
    if (a->live != b->live) return a->live;
    return a->added_ns > b->added_ns;
  });
  return out;
}

void optional_age(JsonWriter& json, const char* key, bool present, std::uint64_t then_ns,
                  std::uint64_t now_ns) {
  json.key(key);
  if (present) {
    json.value(seconds_between(then_ns, now_ns));
  } else {
    json.null();
  }
}

void print_json(const Client& client, const InstanceDirectory& directory,
                const std::vector<const Instance*>& instances) {
  const std::uint64_t now = monotonic_ns();
  JsonWriter json;
  json.begin_object()
      .field("segment", client.info().name)
      .field("generation", directory.generation)
      .field("unpublished", directory.unpublished);
  json.key("instances").begin_array();
  for (const Instance* i : instances) {
    json.begin_object()
        .field("domain", domain_name(i->domain))
        .field("name", i->name)
        .field("instance_id", i->instance_id)
        .field("row", i->row)
        .field("state", i->live ? "live" : "gone");
    write_labels_json(json, i->labels);
    optional_age(json, "added_age_s", i->added_ns != 0, i->added_ns, now);
    optional_age(json, "removed_age_s", !i->live && i->removed_ns != 0, i->removed_ns, now);
    json.end_object();
  }
  json.end_array().end_object();
  write_line(json.str());
}

void print_table(const std::vector<const Instance*>& instances) {
  const std::uint64_t now = monotonic_ns();
  Table table({"DOMAIN", "NAME", "ID", "ROW", "STATE", "LABELS", "AGE"});
  table.align_right(2);
  table.align_right(3);
  table.set_width_cap(32);  // one long cgroup path or mount point keeps the rest compact
  for (const Instance* i : instances) {
    const std::string state = i->live              ? "live"
                              : i->removed_ns != 0 ? "gone " + format_age(i->removed_ns, now)
                                                   : "gone";
    table.add_row({std::string(domain_name(i->domain)), printable(i->name),
                   std::to_string(i->instance_id), std::to_string(i->row), state,
                   printable(labels_text(i->labels)),
                   i->added_ns != 0 ? format_duration(seconds_between(i->added_ns, now)) : "-"});
  }
  write_stdout(table.render());
}

}  // namespace

int run_instances(const CliOptions& options) {
  const std::optional<InstanceDomain> only = domain_argument(options);
  const Client client = open_client(options);
  const auto directory = client.instances();
  const std::vector<const Instance*> instances = shown(*directory, only);
  if (options.json) {
    print_json(client, *directory, instances);
  } else {
    print_table(instances);
  }
  return kExitOk;
}

}  // namespace sysring::cli
