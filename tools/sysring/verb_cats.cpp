// `sysring cats`: categories and how many metrics (and how many available) each has.
#include <map>

#include "broker_session.hpp"
#include "exit_codes.hpp"
#include "format.hpp"
#include "json_writer.hpp"
#include "output.hpp"
#include "table.hpp"
#include "verbs.hpp"

namespace sysring::cli {

int run_cats(const CliOptions& options) {
  const Client client = open_client(options);
  struct Counts {
    std::uint64_t metrics = 0;
    std::uint64_t available = 0;
  };
  std::map<std::string, Counts> by_category;  // sorted by name for stable output
  for (const Descriptor& d : client.descriptors()) {
    Counts& c = by_category[d.category];
    ++c.metrics;
    if (d.available) ++c.available;
  }
  if (options.json) {
    JsonWriter json;
    json.begin_object().field("segment", client.info().name);
    json.key("categories").begin_array();
    for (const auto& [name, c] : by_category) {
      json.begin_object()
          .field("name", name)
          .field("metrics", c.metrics)
          .field("available", c.available)
          .end_object();
    }
    json.end_array().end_object();
    write_line(json.str());
    return kExitOk;
  }
  Table table({"CATEGORY", "METRICS", "AVAILABLE"});
  table.align_right(1);
  table.align_right(2);
  for (const auto& [name, c] : by_category) {
    table.add_row({printable(name), std::to_string(c.metrics), std::to_string(c.available)});
  }
  write_stdout(table.render());
  return kExitOk;
}

}  // namespace sysring::cli
