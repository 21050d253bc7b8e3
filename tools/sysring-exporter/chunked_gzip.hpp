// gzip for a body that mostly repeats: the text is cut into chunks at fixed places (family
// boundaries chosen when the series plan is built), each chunk is deflated on its own (a fresh
// deflate state, flushed to a byte boundary), and a chunk whose text is byte-for-byte the same as
// last time reuses last time's deflated bytes. The chunks' deflate blocks are concatenated behind
// one gzip header, closed by an empty final block and a trailer whose CRC-32 is combined from the
// chunks' (crc32_combine), which makes one valid gzip member (RFC 1951/1952) for any reader.
//
// Most families hold settings and totals that do not move from one tick to the next, so a tick
// recompresses only the chunks that changed. The price is a lower ratio: a chunk cannot refer
// back into the one before it.
//
// The last chunk, the tail, is where the renderer puts what changes on every render; it is never
// cached, and it is compressed by libdeflate (about twice zlib's speed at level 1), whose
// output ends with the stream's final block: which is why only the tail can use it (zlib's sync
// flush leaves the other chunks open for what follows).
#pragma once

#include <zlib.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct libdeflate_compressor;  // libdeflate.h stays in the .cpp: only it needs libdeflate

namespace sysring::exporter {

class ChunkedGzip {
 public:
  explicit ChunkedGzip(int level = 1);
  ~ChunkedGzip();
  ChunkedGzip(const ChunkedGzip&) = delete;
  ChunkedGzip& operator=(const ChunkedGzip&) = delete;

  // Replaces `out` with the gzip of `text`; `ends` are the offsets where chunks end (ascending;
  // the text after the last one is the tail).
  void compress(std::string_view text, std::span<const std::size_t> ends, std::string& out);

  // Chunks deflated again by the last compress() (the rest were reused; the tail counts as
  // deflated), and cached chunks in all (the tail aside).
  [[nodiscard]] std::size_t recompressed() const noexcept { return recompressed_; }
  [[nodiscard]] std::size_t chunk_count() const noexcept { return chunks_.size(); }
  // Text bytes deflated again by the last compress().
  [[nodiscard]] std::size_t recompressed_bytes() const noexcept { return recompressed_bytes_; }

 private:
  struct Chunk {
    std::string text;
    std::string deflated;
    uLong crc = 0;
  };
  void deflate_chunk(std::string_view text, Chunk& chunk);

  z_stream stream_{};
  libdeflate_compressor* tail_compressor_ = nullptr;
  std::vector<Chunk> chunks_;
  std::size_t recompressed_ = 0;
  std::size_t recompressed_bytes_ = 0;
};

}  // namespace sysring::exporter
