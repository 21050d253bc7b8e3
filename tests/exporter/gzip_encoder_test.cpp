// gzip bodies read back with zlib, the encoder reused across bodies.
#include "gzip_encoder.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

namespace sysring::exporter {
namespace {

std::string gunzip(const std::string& in) {
  z_stream s{};
  EXPECT_EQ(inflateInit2(&s, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));  // NOLINT
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&s, Z_FINISH), Z_STREAM_END);
  out.resize(s.total_out);
  inflateEnd(&s);
  return out;
}

TEST(GzipEncoder, RoundTripsAndIsReusable) {
  GzipEncoder encoder;
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "node_cpu_seconds_total{cpu=\"" + std::to_string(i) + "\"} 1\n";
  std::string packed;
  encoder.compress(text, packed);
  EXPECT_EQ(static_cast<unsigned char>(packed[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>(packed[1]), 0x8b);
  EXPECT_LT(packed.size(), text.size() / 4);
  EXPECT_EQ(gunzip(packed), text);
  encoder.compress("second body", packed);
  EXPECT_EQ(gunzip(packed), "second body");
  encoder.compress("", packed);
  EXPECT_EQ(gunzip(packed), "");
}

}  // namespace
}  // namespace sysring::exporter
