// adjtimex decoding over a filled struct timex: raw integers, sync status and the STA_NANO flag.
#include "timex_decode.hpp"

#include <gtest/gtest.h>

namespace sysring::broker {
namespace {

std::int64_t value(const TimexValues& v, std::string_view name) {
  return v.at(*timex_field_index(name));
}

TEST(TimexDecode, RawKernelIntegersUnchanged) {
  struct timex tx {};
  tx.offset = -1234567;
  tx.freq = -655360;  // -10 ppm with a 16-bit fraction: published as is
  tx.maxerror = 16000;
  tx.esterror = 500;
  tx.status = STA_PLL | STA_NANO;
  tx.constant = 7;
  tx.precision = 1;
  tx.tolerance = 32768000;
  tx.tick = 10000;
  tx.ppsfreq = 3;
  tx.jitter = 42;
  tx.shift = 2;
  tx.stabil = 5;
  tx.jitcnt = 6;
  tx.calcnt = 8;
  tx.errcnt = 9;
  tx.stbcnt = 10;
  tx.tai = 37;
  const TimexValues v = decode_timex(tx, TIME_OK);
  EXPECT_EQ(value(v, "offset"), -1234567);
  EXPECT_EQ(value(v, "freq"), -655360);
  EXPECT_EQ(value(v, "maxerror"), 16000);
  EXPECT_EQ(value(v, "esterror"), 500);
  EXPECT_EQ(value(v, "status"), STA_PLL | STA_NANO);
  EXPECT_EQ(value(v, "constant"), 7);
  EXPECT_EQ(value(v, "precision"), 1);
  EXPECT_EQ(value(v, "tolerance"), 32768000);
  EXPECT_EQ(value(v, "tick"), 10000);
  EXPECT_EQ(value(v, "ppsfreq"), 3);
  EXPECT_EQ(value(v, "jitter"), 42);
  EXPECT_EQ(value(v, "shift"), 2);
  EXPECT_EQ(value(v, "stabil"), 5);
  EXPECT_EQ(value(v, "jitcnt"), 6);
  EXPECT_EQ(value(v, "calcnt"), 8);
  EXPECT_EQ(value(v, "errcnt"), 9);
  EXPECT_EQ(value(v, "stbcnt"), 10);
  EXPECT_EQ(value(v, "tai"), 37);
  EXPECT_EQ(value(v, "sync_status"), 1);
  EXPECT_EQ(value(v, "nano"), 1);
}

TEST(TimexDecode, TimeErrorIsUnsynchronisedAndNoStaNanoMeansMicroseconds) {
  struct timex tx {};
  tx.status = STA_UNSYNC;
  const TimexValues v = decode_timex(tx, TIME_ERROR);
  EXPECT_EQ(value(v, "sync_status"), 0);
  EXPECT_EQ(value(v, "nano"), 0);
  // Every other state (TIME_INS, TIME_DEL, TIME_OOP, TIME_WAIT) is synchronised.
  for (const int state : {TIME_OK, TIME_INS, TIME_DEL, TIME_OOP, TIME_WAIT}) {
    EXPECT_EQ(value(decode_timex(tx, state), "sync_status"), 1) << state;
  }
  EXPECT_FALSE(timex_field_index("time"));
}

}  // namespace
}  // namespace sysring::broker
