// The body of a scrape. Rendering and compressing happen at most once per broker publish and
// format: every scraper asking within the same tick gets the same shared body (the first one
// renders while the others wait on the lock, then reuse it). Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker_link.hpp"
#include "chunked_gzip.hpp"
#include "collectors.hpp"
#include "exposition.hpp"
#include "series_plan.hpp"

namespace sysring::exporter {

struct RendererSettings {
  std::string segment;
  bool allow_stale = false;  // serve the last values of a stale broker (else broker_up 0 only)
  CollectorConfig collectors = default_collector_config();
  int gzip_level = 1;
};

struct ScrapeBody {
  std::string bytes;
  bool gzip = false;
  std::vector<std::size_t> chunk_ends;  // plain text: where its gzip chunks end
};

class MetricsRenderer {
 public:
  explicit MetricsRenderer(RendererSettings settings);

  std::shared_ptr<const ScrapeBody> body(Format format, bool gzip);

 private:
  struct CacheKey {
    std::uint64_t epoch = 0;
    std::uint64_t values_seq = 0;
    std::uint64_t generation = 0;
    std::uint64_t second = 0;  // only while the broker is not alive: re-render once a second
    BrokerHealth health = BrokerHealth::kGone;
    bool valid = false;
    friend bool operator==(const CacheKey&, const CacheKey&) = default;
  };

  CacheKey current_key(Client* client) const;
  void render(Client* client, Format format, ScrapeBody& out);
  void render_values(Client& client, Format format, ScrapeBody& out);
  void learn_from(std::string_view text);
  void render_health(Client* client, std::uint64_t started_ns, std::string& out, Format format);

  RendererSettings settings_;
  std::mutex mutex_;
  BrokerLink link_;
  SeriesPlan plan_;
  ValueSnapshot snapshot_;
  std::array<ChunkedGzip, kFormatCount> gzip_;  // per format: their chunks differ
  std::size_t settled_from_ = 0;                // first family of the rarely-changing ones
  CacheKey cached_key_;
  using Bodies = std::array<std::array<std::shared_ptr<const ScrapeBody>, 2>, kFormatCount>;
  static std::shared_ptr<ScrapeBody> reuse(std::shared_ptr<const ScrapeBody>& spare);
  Bodies cache_{};  // this tick's bodies by format and gzip
  Bodies spare_{};  // the last tick's, whose buffers the next render reuses
  std::uint64_t renders_ = 0;
  std::uint64_t cache_hits_ = 0;
  std::uint64_t plan_builds_ = 0;
  std::uint64_t chunks_reused_ = 0;
  // The previous text render, to learn which families change from tick to tick.
  std::string last_text_;
  std::vector<TextRange> last_ranges_;
  std::vector<TextRange> ranges_;
  std::uint64_t last_serial_ = 0;
  std::uint32_t learned_ = 0;  // renders compared since the plan was built
  std::uint64_t chunks_deflated_ = 0;
  std::uint64_t bytes_deflated_ = 0;
};

}  // namespace sysring::exporter
