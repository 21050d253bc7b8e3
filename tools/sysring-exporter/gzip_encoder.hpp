// gzip (RFC 1952) through zlib, with one deflate state kept and reset between bodies so that a
// compression allocates nothing once it has run once.
#pragma once

#include <zlib.h>

#include <string>
#include <string_view>

namespace sysring::exporter {

class GzipEncoder {
 public:
  // Level 1: a metrics page compresses about 8x at level 1 and barely better at 6, for several
  // times the CPU; the exporter's budget is CPU per scrape.
  explicit GzipEncoder(int level = 1);
  ~GzipEncoder();
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;

  // Replaces `out` with the gzip of `input`. Throws std::runtime_error if zlib fails.
  void compress(std::string_view input, std::string& out);

 private:
  z_stream stream_{};
};

}  // namespace sysring::exporter
