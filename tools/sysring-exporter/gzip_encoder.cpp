#include "gzip_encoder.hpp"

#include <stdexcept>

namespace sysring::exporter {

namespace {
constexpr int kGzipWindowBits = 15 + 16;  // 32 KiB window, gzip header and trailer
constexpr int kMemLevel = 8;
}  // namespace

GzipEncoder::GzipEncoder(int level) {
  if (deflateInit2(&stream_, level, Z_DEFLATED, kGzipWindowBits, kMemLevel, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
}

GzipEncoder::~GzipEncoder() {
  deflateEnd(&stream_);
}

void GzipEncoder::compress(std::string_view input, std::string& out) {
  if (deflateReset(&stream_) != Z_OK) throw std::runtime_error("zlib: deflateReset failed");
  out.resize(deflateBound(&stream_, static_cast<uLong>(input.size())));
  // zlib's API takes non-const input; deflate never writes through next_in.
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));  // NOLINT
  stream_.avail_in = static_cast<uInt>(input.size());
  stream_.next_out = reinterpret_cast<Bytef*>(out.data());
  stream_.avail_out = static_cast<uInt>(out.size());
  // deflateBound guarantees one Z_FINISH call completes.
  if (deflate(&stream_, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("zlib: deflate failed");
  out.resize(stream_.total_out);
}

}  // namespace sysring::exporter
