// `sysring list`: the descriptor table. Needs no live values, so it works on a stale broker.
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

void print_json(const Client& client) {
  JsonWriter json;
  json.begin_object()
      .field("segment", client.info().name)
      .field("platform", client.platform())
      .field("counters", client.counters_summary());
  json.key("metrics").begin_array();
  for (const Descriptor& d : client.descriptors()) {
    json.begin_object();
    write_identity_fields(json, d)
        .field("kernel_pattern", pattern_name(d.kernel_pattern))
        .field("recommended_pattern", pattern_name(d.recommended_pattern))
        .field("ttl_ms", d.ttl_ms)
        .field("effective_pattern", pattern_name(d.effective_pattern))
        .field("effective_ttl_ms", d.effective_ttl_ms)
        .field("available", d.available)
        .field("unavailable_reason", d.unavailable_reason)
        .field("source", d.source)
        .field("detail", d.detail)
        .field("description", d.description)
        .end_object();
  }
  json.end_array().end_object();
  write_line(json.str());
}

}  // namespace

int run_list(const CliOptions& options) {
  const Client client = open_client(options);
  if (options.json) {
    print_json(client);
    return kExitOk;
  }
  // EFFECTIVE and EVERY: the schedule the broker follows after its config file's overrides.
  Table table({"ID", "NAME", "CATEGORY", "TYPE", "UNIT", "KERNEL", "RECOMMENDED", "TTL",
               "EFFECTIVE", "EVERY", "AVAILABLE"});
  table.align_right(0);
  table.align_right(7);
  table.align_right(9);
  for (const Descriptor& d : client.descriptors()) {
    table.add_row({std::to_string(static_cast<unsigned>(d.id)), printable(d.name),
                   printable(d.category), type_name(d.type),
                   d.unit.empty() ? "-" : printable(d.unit), pattern_name(d.kernel_pattern),
                   pattern_name(d.recommended_pattern), format_ttl(d.ttl_ms),
                   pattern_name(d.effective_pattern), format_ttl(d.effective_ttl_ms),
                   printable(availability_text(d))});
  }
  write_stdout(table.render());
  return kExitOk;
}

}  // namespace sysring::cli
