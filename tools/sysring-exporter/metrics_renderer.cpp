#include "metrics_renderer.hpp"

#include <string>

#include "exporter_log.hpp"
#include "info_families.hpp"
#include "node_families.hpp"
#include "plan_builder.hpp"
#include "sysring_families.hpp"

namespace sysring::exporter {

namespace {
// Text per gzip chunk: small enough that a changed value costs little recompression, large
// enough that deflate still finds the repeats within a chunk (names, label sets).
constexpr std::size_t kChunkBytes = std::size_t{8} * 1024;
}  // namespace

MetricsRenderer::MetricsRenderer(RendererSettings settings)
    : settings_(std::move(settings)),
      link_(settings_.segment),
      gzip_{{ChunkedGzip(settings_.gzip_level), ChunkedGzip(settings_.gzip_level)}} {}

MetricsRenderer::CacheKey MetricsRenderer::current_key(Client* client) const {
  CacheKey key;
  key.valid = true;
  key.health = link_.health();
  if (client == nullptr || key.health != BrokerHealth::kAlive) {
    key.second = monotonic_ns() / 1'000'000'000;
  }
  if (client != nullptr) {
    key.epoch = client->epoch();
    key.values_seq = client->live_header().values_seq.load(std::memory_order_acquire);
    key.generation = client->directory_generation();
  }
  return key;
}

std::shared_ptr<const ScrapeBody> MetricsRenderer::body(Format format, bool gzip) {
  const std::lock_guard lock(mutex_);
  Client* client = link_.refresh();
  const CacheKey key = current_key(client);
  if (key != cached_key_) {
    spare_ = std::move(cache_);  // their buffers are reused by this tick's bodies
    cache_ = {};
    cached_key_ = key;
  }
  const auto f = static_cast<std::size_t>(format);
  auto& slot = cache_[f][gzip ? 1 : 0];
  if (slot) {
    ++cache_hits_;
    return slot;
  }
  // The plain text of this tick and format is rendered once and kept: a gzip body is made from
  // it, and a plain scrape in the same tick is served it.
  auto& plain = cache_[f][0];
  if (!plain) {
    auto text = reuse(spare_[f][0]);
    render(client, format, *text);
    plain = std::move(text);
  }
  if (!gzip) return plain;
  auto body = reuse(spare_[f][1]);
  body->gzip = true;
  gzip_[f].compress(plain->bytes, plain->chunk_ends, body->bytes);
  chunks_deflated_ += gzip_[f].recompressed();
  chunks_reused_ += gzip_[f].chunk_count() - gzip_[f].recompressed();
  bytes_deflated_ += gzip_[f].recompressed_bytes();
  slot = body;
  return body;
}

std::shared_ptr<ScrapeBody> MetricsRenderer::reuse(std::shared_ptr<const ScrapeBody>& spare) {
  // A body still being written to a scraper is left to it; one nobody holds any more is taken
  // back, so a render writes into memory already faulted in rather than fresh pages.
  std::shared_ptr<const ScrapeBody> taken = std::move(spare);
  if (taken && taken.use_count() == 1) {
    auto body = std::const_pointer_cast<ScrapeBody>(std::move(taken));
    body->bytes.clear();
    body->chunk_ends.clear();
    return body;
  }
  return std::make_shared<ScrapeBody>();
}

void MetricsRenderer::render(Client* client, Format format, ScrapeBody& body) {
  const std::uint64_t started = monotonic_ns();
  ++renders_;
  std::string& out = body.bytes;
  out.clear();
  body.chunk_ends.clear();
  const bool serve_values =
      client != nullptr && (link_.health() == BrokerHealth::kAlive ||
                            (settings_.allow_stale && link_.health() == BrokerHealth::kStale));
  if (serve_values) render_values(*client, format, body);
  // What changes on every render (clocks, the exporter's own counters) goes last: the gzip tail.
  render_time_now(settings_.collectors, format, out);
  render_health(client, started, out, format);
  append_end(out, format);
}

void MetricsRenderer::render_values(Client& client, Format format, ScrapeBody& body) {
  std::string& out = body.bytes;
  try {
    if (!client.read_all(snapshot_)) return;  // the broker kept publishing: values left out
    auto directory = client.instances();
    // Twice at most: a plan that finds a row taken by another instance is rebuilt once.
    for (int attempt = 0; attempt < 2; ++attempt) {
      if (plan_.directory == nullptr || plan_.epoch != client.epoch() ||
          plan_.directory_generation != directory->generation) {
        PlanBuilder builder(client, snapshot_, directory, settings_.collectors, plan_);
        plan_node_families(builder);
        consume_info_families(builder);
        const std::size_t settled_from = plan_sysring_families(builder);
        const std::size_t forced[] = {settled_from};
        mark_chunks(plan_, kChunkBytes, forced);
        ++plan_builds_;
      }
      const std::size_t mark = out.size();
      if (render_plan(plan_, client, snapshot_, format, out, body.chunk_ends, ranges_)) {
        if (format == Format::kPrometheusText) learn_from(out);
        break;
      }
      out.resize(mark);
      body.chunk_ends.clear();
      directory = client.instances();
      plan_.directory = nullptr;  // force the rebuild
    }
    render_info_families(client, snapshot_, plan_, settings_.collectors, format, out);
  } catch (const Error& e) {
    // A directory that fails validation: serve health only, the values are not trustworthy.
    log(LogLevel::kWarn, "segment unreadable", {{"err", e.what()}});
  }
}

void MetricsRenderer::learn_from(std::string_view text) {
  // The first renders of a plan are compared family by family with the one before; then the
  // plan is ordered by whether each family changed (order_by_change) and learning stops, so
  // the copy of the text it needs is made only then. The order applies to both formats.
  constexpr std::uint32_t kComparisons = 12;
  if (last_serial_ != plan_.serial) {  // a new plan
    learned_ = 0;
    last_serial_ = plan_.serial;
    last_text_.assign(text);
    last_ranges_ = ranges_;
    return;
  }
  if (learned_ >= kComparisons) return;
  count_changes(plan_, last_text_, last_ranges_, text, ranges_);
  if (++learned_ == kComparisons) {
    order_by_change(plan_, kChunkBytes);
    last_serial_ = plan_.serial;  // ordered: nothing more to learn for this plan
    last_text_ = {};
    return;
  }
  last_text_.assign(text);
  last_ranges_ = ranges_;
}

void MetricsRenderer::render_health(Client* client, std::uint64_t started_ns, std::string& out,
                                    Format format) {
  const auto gauge = [&](std::string_view name, std::string_view help, MetricType type,
                         std::string_view unit, double value) {
    append_family_header(out, format, name, help, type, unit);
    append_sample_prefix(out, name, {});
    append_value(out, value);
  };
  const bool alive = link_.health() == BrokerHealth::kAlive;
  gauge("sysring_broker_up", "1 when the broker's heartbeat is current, else 0.",
        MetricType::kGauge, "", alive ? 1 : 0);
  if (client != nullptr) {
    const SegmentInfo info = client->info();
    const std::uint64_t now = monotonic_ns();
    const double age =
        now > info.heartbeat_ns ? static_cast<double>(now - info.heartbeat_ns) * 1e-9 : 0;
    gauge("sysring_broker_heartbeat_age_seconds", "Seconds since the broker's last tick.",
          MetricType::kGauge, "seconds", age);
    gauge("sysring_broker_tick_period_seconds", "The broker's base tick.", MetricType::kGauge,
          "seconds", static_cast<double>(info.tick_period_ns) * 1e-9);
    gauge("sysring_broker_instances_unpublished",
          "Instances the broker saw but had no room to publish (raise --instance-headroom).",
          MetricType::kGauge, "", static_cast<double>(info.instances_unpublished));
  }
  gauge("sysring_broker_restarts_total",
        "Restarted brokers (new segment epochs) this exporter re-attached to.",
        MetricType::kCounter, "", static_cast<double>(link_.restarts()));
  gauge("sysring_exporter_plan_builds_total",
        "Times the series plan was rebuilt (a new broker or instances came or went).",
        MetricType::kCounter, "", static_cast<double>(plan_builds_));
  gauge("sysring_exporter_renders_total",
        "Bodies rendered (at most one per broker tick and format).", MetricType::kCounter, "",
        static_cast<double>(renders_));
  gauge("sysring_exporter_cache_hits_total",
        "Scrapes answered with a body already rendered for the same tick.", MetricType::kCounter,
        "", static_cast<double>(cache_hits_));
  gauge("sysring_exporter_gzip_chunks_reused_total",
        "gzip chunks whose text had not changed since the last render, reused as compressed.",
        MetricType::kCounter, "", static_cast<double>(chunks_reused_));
  gauge("sysring_exporter_gzip_chunks_deflated_total", "gzip chunks compressed.",
        MetricType::kCounter, "", static_cast<double>(chunks_deflated_));
  gauge("sysring_exporter_gzip_deflated_bytes_total", "Bytes of text compressed for gzip replies.",
        MetricType::kCounter, "bytes", static_cast<double>(bytes_deflated_));
  gauge("sysring_exporter_scrape_duration_seconds",
        "Seconds this body took to render (compression excluded).", MetricType::kGauge, "seconds",
        static_cast<double>(monotonic_ns() - started_ns) * 1e-9);
}

}  // namespace sysring::exporter
