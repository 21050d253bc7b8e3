// `sysring watch` for people: a header line per batch, "+ disk vda {device="vda"}" and
// "- disk vda" for instances that came and went, then an aligned NAME VALUE UNIT table.
#include "format.hpp"
#include "instance_text.hpp"
#include "output.hpp"
#include "table.hpp"
#include "value_output.hpp"
#include "watch_batch.hpp"
#include "watch_printer.hpp"

namespace sysring::cli {
namespace {

std::string owned_name(const Descriptor& d, const ValueOwner& owner) {
  return owner.scalar ? d.name : value_name(d.name, owner.name, owner.labels);
}

std::string header(const Client& client, const Batch& b, const BatchView& view) {
  std::string out;
  if (b.lost_batches > 0) {
    out += "lapped: lost " + std::to_string(b.lost_batches) +
           " batches, resynchronised from the value table\n";
  }
  const std::string part =
      b.part_count > 1 ? " part " + std::to_string(b.part + 1) + "/" + std::to_string(b.part_count)
                       : "";
  const std::size_t changes = view.values().size();
  if (b.full_snapshot) {
    const SegmentInfo info = client.info();
    out += "snapshot: tick " + std::to_string(b.tick) + part + ", " + std::to_string(changes) +
           " values, " + std::to_string(b.unavailable.size()) + " unavailable, " +
           std::to_string(b.events.size()) + " instances (" + printable(info.name) + ", pid " +
           std::to_string(info.broker_pid) + ", epoch " + hex64(info.epoch) +
           (b.from_value_table ? ", from the value table" : "") + ")\n";
  } else {
    out += "tick " + std::to_string(b.tick) + part + ": " + std::to_string(changes) +
           (changes == 1 ? " change" : " changes") + " (" +
           format_age(b.timestamp_ns, monotonic_ns()) + ")\n";
  }
  return out;
}

std::string event_line(const InstanceEvent& e) {
  const bool added = e.kind == InstanceEventKind::kAdded;
  std::string line = std::string("  ") + (added ? "+ " : "- ") +
                     std::string(domain_name(e.domain)) + " " + printable(e.name);
  if (added) line += " " + printable(labels_text(e.labels));
  return line + "\n";
}

class TextWatchPrinter final : public WatchPrinter {
 public:
  void batch(const Client& client, const RingFollower& follower, const Batch& b) override {
    const BatchView view(client, follower, b);
    std::string out = header(client, b, view);
    for (const InstanceEvent& e : b.events) out += event_line(e);
    Table table;
    table.set_indent("  ");
    table.set_width_cap(kValueColumnCap);
    for (const WatchValue& v : view.values()) {
      const Descriptor& d = *v.descriptor;
      const std::string value = v.text != nullptr      ? *v.text
                                : v.counter != nullptr ? counter_text(d, *v.counter)
                                                       : value_text(d, v.bits);
      table.add_row({printable(owned_name(d, v.owner)), printable(value), printable(d.unit)});
    }
    for (const WatchCell& cell : view.unavailable()) {
      table.add_row({printable(owned_name(*cell.descriptor, cell.owner)),
                     printable(unavailable_text(*cell.descriptor)), ""});
    }
    out += table.render();
    write_stdout(out);
  }

  void health(BrokerHealth, const std::string& detail) override { write_line(detail); }

  void reattached(const SegmentInfo& info) override {
    write_line("re-attached to a new broker on " + printable(info.name) + ": pid " +
               std::to_string(info.broker_pid) + ", epoch " + hex64(info.epoch));
  }

  void corrupt(std::uint64_t position, std::uint64_t corrupt_total) override {
    write_line("corrupt batch at ring position " + std::to_string(position) + " skipped (" +
               std::to_string(corrupt_total) + " so far)");
  }

  void attach_error(const std::string& message) override {
    write_line("cannot attach yet: " + printable(message));
  }
};

}  // namespace

std::unique_ptr<WatchPrinter> make_text_watch_printer() {
  return std::make_unique<TextWatchPrinter>();
}

}  // namespace sysring::cli
