// `sysring ring`: the segment header and the broker's liveness and ring counters, plus a short
// follow of the ring to measure lapping.
//
// Lapped/lost counts are per follower: readers map the segment read-only and never write it, so
// the broker cannot know how far behind any reader is. What we report is what this process saw
// while following the ring for a moment (with --sample-ms, 0 to skip).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "broker_session.hpp"
#include "exit_codes.hpp"
#include "format.hpp"
#include "json_writer.hpp"
#include "output.hpp"
#include "sysring/registry_data.hpp"
#include "sysring/ring_follower.hpp"
#include "table.hpp"
#include "verbs.hpp"

namespace sysring::cli {

namespace {

struct FollowSample {
  bool taken = false;
  std::uint64_t duration_ms = 0;
  std::uint64_t batches = 0;  // ring batches after the initial snapshot
  std::uint64_t lapped = 0;
  std::uint64_t lost = 0;
  std::uint64_t corrupt = 0;
};

void sleep_ms(std::uint64_t ms) {
  timespec ts{static_cast<time_t>(ms / 1000), static_cast<long>(ms % 1000) * 1'000'000L};
  ::nanosleep(&ts, nullptr);
}

FollowSample follow_for(const Client& client, std::uint64_t duration_ms) {
  FollowSample sample;
  sample.taken = true;
  sample.duration_ms = duration_ms;
  RingFollower follower(client);
  Batch batch;
  (void)follower.poll(batch);  // the first poll is the snapshot from the value table
  const std::uint64_t deadline = monotonic_ns() + duration_ms * 1'000'000ULL;
  const std::uint64_t step_ms =
      std::max<std::uint64_t>(1, std::min<std::uint64_t>(duration_ms / 10, 20));
  while (monotonic_ns() < deadline) {
    while (follower.poll(batch) == PollResult::kBatch) {
      if (!batch.from_value_table) ++sample.batches;
    }
    sleep_ms(step_ms);
  }
  sample.lapped = follower.lapped_count();
  sample.lost = follower.lost_total();
  sample.corrupt = follower.corrupt_count();
  return sample;
}

std::string local_time(std::uint64_t realtime_ns) {
  const auto seconds = static_cast<time_t>(realtime_ns / 1'000'000'000ULL);
  tm parts{};
  if (::localtime_r(&seconds, &parts) == nullptr) return "?";
  char buf[64];
  return std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &parts) > 0 ? buf : "?";
}

// "2 cpu, 1 disk, 4 netif (generation 3; 0 unpublished)": live instances per domain.
std::string instance_summary(const Client& client, const SegmentInfo& info) {
  std::string out;
  try {
    const auto directory = client.instances();
    for (const DomainInfo& d : client.domains()) {
      if (d.domain == InstanceDomain::None) continue;
      out += (out.empty() ? "" : ", ") + std::to_string(directory->live(d.domain).size()) + " " +
             printable(d.name);
    }
  } catch (const Error& e) {
    out = printable(e.what());
  }
  return out + " (directory generation " + std::to_string(info.directory_generation) + "; " +
         std::to_string(info.instances_unpublished) + " unpublished, " +
         std::to_string(info.instances_added) + " added, " +
         std::to_string(info.instances_removed) + " removed so far)";
}

std::uint64_t available_count(const Client& client) {
  return static_cast<std::uint64_t>(std::count_if(client.descriptors().begin(),
                                                  client.descriptors().end(),
                                                  [](const Descriptor& d) { return d.available; }));
}

double bytes_per_delta(const SegmentInfo& info) {
  return info.ring_deltas_total == 0 ? 0.0
                                     : static_cast<double>(info.ring_bytes_total) /
                                           static_cast<double>(info.ring_deltas_total);
}

void print_text(const Client& client, const SegmentInfo& info, BrokerHealth health,
                const FollowSample& sample) {
  const std::uint64_t now = monotonic_ns();
  char buf[64];
  Table table;
  const auto row = [&](const std::string& key, const std::string& value) {
    table.add_row({key + ":", value});
  };
  row("segment", printable(info.name) + "  (" +
                     humanise_bytes(static_cast<double>(info.total_size)) + ", inode " +
                     std::to_string(info.inode) + ")");
  row("layout version", std::to_string(info.major) + "." + std::to_string(info.minor));
  row("platform", printable(client.platform()));
  row("epoch", hex64(info.epoch));
  row("broker",
      "pid " + std::to_string(info.broker_pid) + ", uid " + std::to_string(info.broker_uid));
  row("state", state_name(info.state));
  std::string health_text = to_string(health);
  if (health == BrokerHealth::kGone) health_text += " (" + gone_reason(client) + ")";
  row("health", health_text);
  row("heartbeat age", format_duration(heartbeat_age_s(info)));
  row("uptime", format_duration(seconds_between(info.start_mono_ns, now)) + "  (started " +
                    local_time(info.start_real_ns) + ")");
  (void)std::snprintf(buf, sizeof buf, "%.0f ms", static_cast<double>(info.tick_period_ns) / 1e6);
  row("tick period", buf);
  row("ticks", std::to_string(info.tick_count));
  row("ring head", std::to_string(info.ring_head));
  row("ring slots", std::to_string(info.ring_slot_count) + " x " +
                        std::to_string(info.ring_slot_size) + " bytes");
  row("deltas published", std::to_string(info.ring_deltas_total));
  row("bytes published", std::to_string(info.ring_bytes_total) + " (" +
                             humanise_bytes(static_cast<double>(info.ring_bytes_total)) + ")");
  (void)std::snprintf(buf, sizeof buf, "%.1f", bytes_per_delta(info));
  row("bytes per delta", buf);
  row("split ticks", std::to_string(info.ring_split_ticks));
  row("schema hash",
      hex64(info.schema_hash) + (info.schema_matches
                                     ? "  (matches this build)"
                                     : "  (this build has " + hex64(registry::kSchemaHash) + ")"));
  row("metrics", std::to_string(client.descriptors().size()) + " (" +
                     std::to_string(available_count(client)) + " available), " +
                     std::to_string(info.value_words) + " value words");
  row("instances", instance_summary(client, info));
  if (sample.taken) {
    row("follow sample", std::to_string(sample.duration_ms) +
                             " ms: " + std::to_string(sample.batches) + " batches, lapped " +
                             std::to_string(sample.lapped) + " times, lost " +
                             std::to_string(sample.lost) + " batches, " +
                             std::to_string(sample.corrupt) + " corrupt");
  } else {
    row("follow sample", health == BrokerHealth::kAlive ? "skipped" : "skipped: broker not alive");
  }
  write_stdout(table.render());
  write_stdout(
      "note: lapped/lost are this reader's own counts; readers never write the segment, so the "
      "broker cannot count them\n");
}

void print_json(const Client& client, const SegmentInfo& info, BrokerHealth health,
                const FollowSample& sample) {
  const std::uint64_t now = monotonic_ns();
  JsonWriter json;
  json.begin_object()
      .field("segment", info.name)
      .field("total_size", info.total_size)
      .field("device", info.device)
      .field("inode", info.inode)
      .field("layout_version", std::to_string(info.major) + "." + std::to_string(info.minor))
      .field("platform", client.platform())
      .field("epoch", hex64(info.epoch))
      .field("broker_pid", info.broker_pid)
      .field("broker_uid", info.broker_uid)
      .field("state", state_name(info.state))
      .field("health", to_string(health));
  if (health == BrokerHealth::kGone) json.field("gone_reason", gone_reason(client));
  json.field("heartbeat_age_s", heartbeat_age_s(info))
      .field("uptime_s", seconds_between(info.start_mono_ns, now))
      .field("start_real_ns", info.start_real_ns)
      .field("tick_period_ns", info.tick_period_ns)
      .field("tick_count", info.tick_count)
      .field("ring_head", info.ring_head)
      .field("ring_slot_count", info.ring_slot_count)
      .field("ring_slot_size", info.ring_slot_size)
      .field("ring_deltas_total", info.ring_deltas_total)
      .field("ring_bytes_total", info.ring_bytes_total)
      .field("bytes_per_delta", bytes_per_delta(info))
      .field("ring_split_ticks", info.ring_split_ticks)
      .field("schema_hash", hex64(info.schema_hash))
      .field("compiled_schema_hash", hex64(registry::kSchemaHash))
      .field("schema_matches", info.schema_matches)
      .field("metrics", static_cast<std::uint64_t>(client.descriptors().size()))
      .field("metrics_available", available_count(client))
      .field("value_words", info.value_words)
      .field("directory_generation", info.directory_generation)
      .field("instances_unpublished", info.instances_unpublished)
      .field("instances_added", info.instances_added)
      .field("instances_removed", info.instances_removed);
  json.key("follow_sample");
  if (!sample.taken) {
    json.null();
  } else {
    json.begin_object()
        .field("duration_ms", sample.duration_ms)
        .field("batches", sample.batches)
        .field("lapped", sample.lapped)
        .field("lost_batches", sample.lost)
        .field("corrupt", sample.corrupt)
        .field("scope", "this follower only; readers never write the segment")
        .end_object();
  }
  json.end_object();
  write_line(json.str());
}

}  // namespace

int run_ring(const CliOptions& options) {
  const Client client = open_client(options);
  FollowSample sample;
  // Two ticks show at least one batch; capped so the verb stays quick with slow ticks.
  const std::uint64_t tick_ms = client.info().tick_period_ns / 1'000'000ULL;
  const std::uint64_t duration_ms =
      options.sample_ms ? *options.sample_ms : std::clamp<std::uint64_t>(2 * tick_ms, 100, 1000);
  if (client.health() == BrokerHealth::kAlive && duration_ms > 0) {
    sample = follow_for(client, duration_ms);
  }
  // Read after the sample, so the counters and the health shown are current.
  const BrokerHealth health = client.health();
  const SegmentInfo info = client.info();
  if (options.json) {
    print_json(client, info, health, sample);
  } else {
    print_text(client, info, health, sample);
  }
  return kExitOk;
}

}  // namespace sysring::cli
