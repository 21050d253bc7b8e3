#include "chunked_gzip.hpp"

#include <libdeflate.h>

#include <stdexcept>

namespace sysring::exporter {

namespace {
// Raw deflate (the gzip framing is written here) with a window and hash sized for chunks of a
// few KiB: deflateReset clears the hash heads, 2^(memLevel+7) of them, for every chunk, and at
// zlib's default memLevel 8 that 64 KiB memset cost as much as compressing the chunk.
constexpr int kRawDeflateWindowBits = -14;  // 16 KiB window: matches reach across a chunk
constexpr int kMemLevel = 5;                // 4096 hash heads
// ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=0 OS=unix (RFC 1952 2.3).
constexpr unsigned char kGzipHeader[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

void append_le32(std::string& out, uLong value) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}
}  // namespace

ChunkedGzip::ChunkedGzip(int level) {
  if (deflateInit2(&stream_, level, Z_DEFLATED, kRawDeflateWindowBits, kMemLevel,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("zlib: deflateInit2 failed");
  }
  tail_compressor_ = libdeflate_alloc_compressor(level);
  if (tail_compressor_ == nullptr) {
    deflateEnd(&stream_);
    throw std::runtime_error("libdeflate: cannot allocate a compressor");
  }
}

ChunkedGzip::~ChunkedGzip() {
  deflateEnd(&stream_);
  libdeflate_free_compressor(tail_compressor_);
}

void ChunkedGzip::deflate_chunk(std::string_view text, Chunk& chunk) {
  if (deflateReset(&stream_) != Z_OK) throw std::runtime_error("zlib: deflateReset failed");
  // A sync flush ends on a byte boundary without a final block; bound plus the flush marker.
  chunk.deflated.resize(deflateBound(&stream_, static_cast<uLong>(text.size())) + 16);
  // zlib takes non-const input; deflate never writes through next_in.
  stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));  // NOLINT
  stream_.avail_in = static_cast<uInt>(text.size());
  stream_.next_out = reinterpret_cast<Bytef*>(chunk.deflated.data());
  stream_.avail_out = static_cast<uInt>(chunk.deflated.size());
  // All input taken and room left over: the flush is complete.
  if (deflate(&stream_, Z_SYNC_FLUSH) != Z_OK || stream_.avail_in != 0 || stream_.avail_out == 0) {
    throw std::runtime_error("zlib: deflate failed");
  }
  chunk.deflated.resize(chunk.deflated.size() - stream_.avail_out);
  chunk.text.assign(text);
  chunk.crc = crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size()));
  ++recompressed_;
  recompressed_bytes_ += text.size();
}

void ChunkedGzip::compress(std::string_view text, std::span<const std::size_t> ends,
                           std::string& out) {
  recompressed_ = 0;
  recompressed_bytes_ = 0;
  std::size_t count = 0;
  std::size_t begin = 0;
  out.assign(reinterpret_cast<const char*>(kGzipHeader), sizeof kGzipHeader);
  uLong crc = crc32(0, nullptr, 0);
  for (const std::size_t end : ends) {
    if (end <= begin || end > text.size()) continue;
    const std::string_view piece = text.substr(begin, end - begin);
    if (count == chunks_.size()) chunks_.emplace_back();
    Chunk& chunk = chunks_[count++];
    if (chunk.text != piece || chunk.deflated.empty()) deflate_chunk(piece, chunk);
    out += chunk.deflated;
    crc = crc32_combine(crc, chunk.crc, static_cast<z_off_t>(piece.size()));
    begin = end;
  }
  chunks_.resize(count);
  // The tail, final block included (libdeflate ends every stream it writes with one).
  const std::string_view tail = text.substr(begin);
  const std::size_t at = out.size();
  out.resize(at + libdeflate_deflate_compress_bound(tail_compressor_, tail.size()));
  const std::size_t written = libdeflate_deflate_compress(
      tail_compressor_, tail.data(), tail.size(), out.data() + at, out.size() - at);
  if (written == 0) throw std::runtime_error("libdeflate: output larger than its own bound");
  out.resize(at + written);
  ++recompressed_;
  recompressed_bytes_ += tail.size();
  crc = crc32_combine(
      crc, crc32(0, reinterpret_cast<const Bytef*>(tail.data()), static_cast<uInt>(tail.size())),
      static_cast<z_off_t>(tail.size()));
  append_le32(out, crc);
  append_le32(out, static_cast<uLong>(text.size() & 0xffffffffU));
}

}  // namespace sysring::exporter
