// `sysring watch --json`: one JSON object per line. A batch carries its instance events
// ("events": kind, domain, name, labels), its values and its unavailable cells, each value named
// by family ("name") and instance ("instance", "labels"; null and {} for a scalar).
#include "format.hpp"
#include "instance_text.hpp"
#include "json_writer.hpp"
#include "output.hpp"
#include "value_output.hpp"
#include "watch_batch.hpp"
#include "watch_printer.hpp"

namespace sysring::cli {
namespace {

void write_owner(JsonWriter& json, const ValueOwner& owner) {
  json.key("instance");
  if (owner.scalar) {
    json.null();
  } else {
    json.value(owner.name);
  }
  write_labels_json(json, owner.labels);
}

void write_events(JsonWriter& json, const Batch& b) {
  json.key("events").begin_array();
  for (const InstanceEvent& e : b.events) {
    json.begin_object()
        .field("kind", e.kind == InstanceEventKind::kAdded ? "added" : "removed")
        .field("domain", domain_name(e.domain))
        .field("name", e.name)
        .field("instance_id", e.instance_id)
        .field("row", e.row);
    write_labels_json(json, e.labels);
    json.field("time_ns", e.time_ns).end_object();
  }
  json.end_array();
}

void write_values(JsonWriter& json, const BatchView& view) {
  json.key("values").begin_array();
  for (const WatchValue& v : view.values()) {
    json.begin_object()
        .field("id", static_cast<std::uint64_t>(v.descriptor->id))
        .field("name", v.descriptor->name);
    write_owner(json, v.owner);
    if (v.text != nullptr) {
      json.field("value", *v.text);
    } else if (v.counter != nullptr) {
      json.field("value", v.counter->count)
          .field("time_enabled_ns", v.counter->time_enabled_ns)
          .field("time_running_ns", v.counter->time_running_ns);
    } else {
      write_json_value(json, *v.descriptor, v.bits);
    }
    json.end_object();
  }
  json.end_array();
  json.key("unavailable").begin_array();
  for (const WatchCell& cell : view.unavailable()) {
    json.begin_object()
        .field("id", static_cast<std::uint64_t>(cell.descriptor->id))
        .field("name", cell.descriptor->name);
    write_owner(json, cell.owner);
    json.field("reason", cell.descriptor->unavailable_reason).end_object();
  }
  json.end_array();
}

class JsonWatchPrinter final : public WatchPrinter {
 public:
  void batch(const Client& client, const RingFollower& follower, const Batch& b) override {
    const BatchView view(client, follower, b);
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
    write_events(json, b);
    write_values(json, view);
    json.end_object();
    write_line(json.str());
  }

  void health(BrokerHealth health, const std::string& detail) override {
    JsonWriter json;
    json.begin_object()
        .field("type", "health")
        .field("health", to_string(health))
        .field("detail", detail)
        .end_object();
    write_line(json.str());
  }

  void reattached(const SegmentInfo& info) override {
    JsonWriter json;
    json.begin_object()
        .field("type", "reattached")
        .field("segment", info.name)
        .field("broker_pid", info.broker_pid)
        .field("epoch", hex64(info.epoch))
        .end_object();
    write_line(json.str());
  }

  void corrupt(std::uint64_t position, std::uint64_t corrupt_total) override {
    JsonWriter json;
    json.begin_object()
        .field("type", "corrupt")
        .field("position", position)
        .field("corrupt_total", corrupt_total)
        .end_object();
    write_line(json.str());
  }

  void attach_error(const std::string& message) override {
    JsonWriter json;
    json.begin_object().field("type", "attach_error").field("message", message).end_object();
    write_line(json.str());
  }
};

}  // namespace

std::unique_ptr<WatchPrinter> make_json_watch_printer() {
  return std::make_unique<JsonWatchPrinter>();
}

}  // namespace sysring::cli
