#include "watch_printer.hpp"

#include <algorithm>

#include "format.hpp"
#include "json_writer.hpp"
#include "output.hpp"
#include "table.hpp"
#include "value_output.hpp"

namespace sysring::cli {

namespace {

// One changed metric, scalar or string, so both kinds can be listed together in id order.
struct Change {
  MetricId id;
  const Descriptor* descriptor;
  std::uint64_t bits = 0;
  const std::string* text = nullptr;       // set for string deltas
  const CounterTotals* counter = nullptr;  // set for counter deltas
};

// A descriptor for an id the table does not describe (a newer broker's metric, say).
Descriptor placeholder_for(MetricId id) {
  Descriptor d;
  d.id = id;
  d.name = "#" + std::to_string(static_cast<unsigned>(id));
  return d;
}

std::vector<Change> changes_of(const Client& client, const Batch& batch,
                               std::vector<Descriptor>& placeholders) {
  // Reserved up front: keeps the pointers into it stable.
  placeholders.reserve(batch.values.size() + batch.strings.size() + batch.counters.size());
  const auto describe = [&](MetricId id) -> const Descriptor* {
    if (const Descriptor* d = client.descriptor(id)) return d;
    placeholders.push_back(placeholder_for(id));
    return &placeholders.back();
  };
  std::vector<Change> changes;
  for (const Delta& d : batch.values) changes.push_back({d.id, describe(d.id), d.bits, nullptr});
  for (const StringDelta& s : batch.strings) changes.push_back({s.id, describe(s.id), 0, &s.text});
  for (const CounterDelta& c : batch.counters) {
    changes.push_back({c.id, describe(c.id), c.totals.count, nullptr, &c.totals});
  }
  std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
    return static_cast<unsigned>(a.id) < static_cast<unsigned>(b.id);
  });
  return changes;
}

std::string unavailable_reason(const Client& client, MetricId id) {
  const Descriptor* d = client.descriptor(id);
  return d != nullptr && !d->unavailable_reason.empty() ? "unavailable: " + d->unavailable_reason
                                                        : "unavailable";
}

std::string name_of(const Client& client, MetricId id) {
  const Descriptor* d = client.descriptor(id);
  return d != nullptr ? d->name : placeholder_for(id).name;
}

}  // namespace

void WatchPrinter::batch(const Client& client, const Batch& b) const {
  if (json_) {
    json_batch(client, b);
  } else {
    text_batch(client, b);
  }
}

void WatchPrinter::text_batch(const Client& client, const Batch& b) const {
  std::vector<Descriptor> placeholders;
  const std::vector<Change> changes = changes_of(client, b, placeholders);
  std::string out;
  if (b.lost_batches > 0) {
    out += "lapped: lost " + std::to_string(b.lost_batches) +
           " batches, resynchronised from the value table\n";
  }
  const std::string part =
      b.part_count > 1 ? " part " + std::to_string(b.part + 1) + "/" + std::to_string(b.part_count)
                       : "";
  if (b.full_snapshot) {
    const SegmentInfo info = client.info();
    out += "snapshot: tick " + std::to_string(b.tick) + part + ", " +
           std::to_string(changes.size()) + " values, " + std::to_string(b.unavailable.size()) +
           " unavailable (" + printable(info.name) + ", pid " + std::to_string(info.broker_pid) +
           ", epoch " + hex64(info.epoch) + (b.from_value_table ? ", from the value table" : "") +
           ")\n";
  } else {
    out += "tick " + std::to_string(b.tick) + part + ": " + std::to_string(changes.size()) +
           (changes.size() == 1 ? " change" : " changes") + " (" +
           format_age(b.timestamp_ns, monotonic_ns()) + ")\n";
  }
  Table table;
  table.set_indent("  ");
  for (const Change& c : changes) {
    const Descriptor& d = *c.descriptor;
    const std::string value = c.text != nullptr      ? *c.text
                              : c.counter != nullptr ? counter_text(d, *c.counter)
                                                     : value_text(d, c.bits);
    table.add_row({printable(d.name), printable(value), printable(d.unit)});
  }
  for (const CellRef& cell : b.unavailable) {
    table.add_row(
        {printable(name_of(client, cell.id)), printable(unavailable_reason(client, cell.id)), ""});
  }
  out += table.render();
  write_stdout(out);
}

void WatchPrinter::json_batch(const Client& client, const Batch& b) const {
  std::vector<Descriptor> placeholders;
  const std::vector<Change> changes = changes_of(client, b, placeholders);
  JsonWriter json;
  json.begin_object()
      .field("type", "batch")
      .field("position", b.position)
      .field("tick", b.tick)
      .field("timestamp_ns", b.timestamp_ns)
      .field("age_s", seconds_between(b.timestamp_ns, monotonic_ns()))
      .field("full_snapshot", b.full_snapshot)
      .field("from_value_table", b.from_value_table)
      .field("part", static_cast<std::uint64_t>(b.part + 1))
      .field("part_count", static_cast<std::uint64_t>(b.part_count))
      .field("lost_batches", b.lost_batches);
  json.key("values").begin_array();
  for (const Change& c : changes) {
    json.begin_object()
        .field("id", static_cast<std::uint64_t>(c.id))
        .field("name", c.descriptor->name);
    if (c.text != nullptr) {
      json.field("value", *c.text);
    } else if (c.counter != nullptr) {
      json.field("value", c.counter->count)
          .field("time_enabled_ns", c.counter->time_enabled_ns)
          .field("time_running_ns", c.counter->time_running_ns);
    } else {
      write_json_value(json, *c.descriptor, c.bits);
    }
    json.end_object();
  }
  json.end_array();
  json.key("unavailable").begin_array();
  for (const CellRef& cell : b.unavailable) {
    const Descriptor* d = client.descriptor(cell.id);
    json.begin_object()
        .field("id", static_cast<std::uint64_t>(cell.id))
        .field("name", name_of(client, cell.id))
        .field("reason", d != nullptr ? d->unavailable_reason : "")
        .end_object();
  }
  json.end_array().end_object();
  write_line(json.str());
}

void WatchPrinter::health(BrokerHealth health, const std::string& detail) const {
  if (!json_) {
    write_line(detail);
    return;
  }
  JsonWriter json;
  json.begin_object()
      .field("type", "health")
      .field("health", to_string(health))
      .field("detail", detail)
      .end_object();
  write_line(json.str());
}

void WatchPrinter::reattached(const SegmentInfo& info) const {
  if (!json_) {
    write_line("re-attached to a new broker on " + printable(info.name) + ": pid " +
               std::to_string(info.broker_pid) + ", epoch " + hex64(info.epoch));
    return;
  }
  JsonWriter json;
  json.begin_object()
      .field("type", "reattached")
      .field("segment", info.name)
      .field("broker_pid", info.broker_pid)
      .field("epoch", hex64(info.epoch))
      .end_object();
  write_line(json.str());
}

void WatchPrinter::corrupt(std::uint64_t position, std::uint64_t corrupt_total) const {
  if (!json_) {
    write_line("corrupt batch at ring position " + std::to_string(position) + " skipped (" +
               std::to_string(corrupt_total) + " so far)");
    return;
  }
  JsonWriter json;
  json.begin_object()
      .field("type", "corrupt")
      .field("position", position)
      .field("corrupt_total", corrupt_total)
      .end_object();
  write_line(json.str());
}

void WatchPrinter::attach_error(const std::string& message) const {
  if (!json_) {
    write_line("cannot attach yet: " + printable(message));
    return;
  }
  JsonWriter json;
  json.begin_object().field("type", "attach_error").field("message", message).end_object();
  write_line(json.str());
}

}  // namespace sysring::cli
