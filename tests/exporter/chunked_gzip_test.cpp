// Chunked gzip: one valid gzip member for any chunking, unchanged chunks reused as compressed.
#include "chunked_gzip.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

namespace sysring::exporter {
namespace {

std::string gunzip(const std::string& in) {
  z_stream s{};
  EXPECT_EQ(inflateInit2(&s, 15 + 16), Z_OK);
  std::string out(1 << 22, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));  // NOLINT
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);  // also checks CRC-32 and length
  EXPECT_EQ(s.avail_in, 0u);                       // nothing after the trailer
  out.resize(s.total_out);
  inflateEnd(&s);
  return out;
}

std::string sample_text(int lines, int seed) {
  std::string text;
  for (int i = 0; i < lines; ++i) {
    text += "node_cpu_seconds_total{cpu=\"" + std::to_string(i % 64) + "\",mode=\"user\"} " +
            std::to_string(i * 7 + seed) + "\n";
  }
  return text;
}

TEST(ChunkedGzip, AnyChunkingIsOneValidMember) {
  const std::string text = sample_text(3000, 1);
  const std::vector<std::vector<std::size_t>> chunkings = {
      {}, {100}, {1000, 2000, 50000}, {0, 0, 5}, {text.size()}, {10, 5, 20, text.size() + 9}};
  for (const auto& ends : chunkings) {
    ChunkedGzip gz;
    std::string out;
    gz.compress(text, ends, out);
    EXPECT_EQ(gunzip(out), text);
  }
  ChunkedGzip gz;
  std::string out;
  gz.compress("", {}, out);
  EXPECT_EQ(gunzip(out), "");
}

TEST(ChunkedGzip, UnchangedChunksAreReusedTheRestAndTheTailRedone) {
  ChunkedGzip gz;
  std::string text = sample_text(4000, 1);
  const std::vector<std::size_t> ends = {text.size() / 4, text.size() / 2, 3 * text.size() / 4};
  std::string first;
  gz.compress(text, ends, first);
  EXPECT_EQ(gz.chunk_count(), 3u);   // the tail is not kept
  EXPECT_EQ(gz.recompressed(), 4u);  // three chunks and the tail
  EXPECT_LT(first.size(), text.size() / 4);

  std::string again;
  gz.compress(text, ends, again);
  EXPECT_EQ(gz.recompressed(), 1u);  // the tail only
  EXPECT_EQ(again, first);

  text[text.size() / 2 + 10] = text[text.size() / 2 + 10] == '1' ? '2' : '1';  // third chunk
  std::string changed;
  gz.compress(text, ends, changed);
  EXPECT_EQ(gz.recompressed(), 2u);
  EXPECT_EQ(gunzip(changed), text);
}

TEST(ChunkedGzip, FewerChunksThanLastTimeDropTheRest) {
  ChunkedGzip gz;
  const std::string text = sample_text(1000, 3);
  std::string out;
  const std::vector<std::size_t> many = {100, 200, 300, 400};
  gz.compress(text, many, out);
  EXPECT_EQ(gz.chunk_count(), 4u);
  const std::vector<std::size_t> one = {text.size() / 2};
  gz.compress(text, one, out);
  EXPECT_EQ(gz.chunk_count(), 1u);
  EXPECT_EQ(gunzip(out), text);
}

}  // namespace
}  // namespace sysring::exporter
