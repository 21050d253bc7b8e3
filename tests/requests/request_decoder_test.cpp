// The request decoder (broker/requests/request_decoder.cpp): the contract's limits, one line each.
#include "requests/request_decoder.hpp"

#include <gtest/gtest.h>

#include "request_test_support.hpp"

namespace sysring::broker::requests {
namespace {

using test::request_bytes;
using test::RequestFields;

DecodedRequest decode(const std::vector<std::uint8_t>& bytes) {
  return decode_counter_request(bytes);
}

TEST(RequestDecoder, GoodRequest) {
  const auto r = decode(request_bytes({.pid = 42,
                                       .events = {"task-clock", "cycles"},
                                       .inherit = true,
                                       .kernel = true,
                                       .enable_on_exec = true}));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.request.pid, 42);
  EXPECT_EQ(r.request.events, (std::vector<std::string>{"task-clock", "cycles"}));
  EXPECT_TRUE(r.request.inherit);
  EXPECT_TRUE(r.request.kernel);
  EXPECT_TRUE(r.request.enable_on_exec);
}

TEST(RequestDecoder, PidZeroMeansTheCaller) {
  const auto r = decode(request_bytes({}));
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.request.pid, 0);
}

TEST(RequestDecoder, EveryTruncationIsRefused) {
  const auto good = request_bytes({.pid = 7, .events = {"task-clock", "context-switches"}});
  for (std::size_t n = 0; n < good.size(); ++n) {
    const auto r = decode({good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n)});
    if (r.ok) {
      // Only trailing alignment padding, which nothing refers to, may go.
      EXPECT_EQ(r.request.pid, 7) << n;
      EXPECT_EQ(r.request.events.size(), 2u) << n;
      EXPECT_GE(n, good.size() - 8) << n;
    } else {
      EXPECT_TRUE(r.error.starts_with("bad request: ")) << r.error;
    }
  }
}

TEST(RequestDecoder, WrongIdentifier) {
  const auto r = decode(request_bytes({.identifier = "SRP1"}));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "bad request: not a CounterRequest (identifier SRQ1 missing)");
}

TEST(RequestDecoder, WrongVersion) {
  EXPECT_EQ(decode(request_bytes({.version = 2})).error,
            "bad request: protocol version 2, this broker speaks 1");
  EXPECT_EQ(decode(request_bytes({.version = 0})).error,
            "bad request: protocol version 0, this broker speaks 1");
}

TEST(RequestDecoder, EventCounts) {
  EXPECT_EQ(decode(request_bytes({.events = {}})).error, "bad request: no events");
  std::vector<std::string> sixteen(16, "task-clock");
  EXPECT_TRUE(decode(request_bytes({.events = sixteen})).ok);
  sixteen.push_back("cycles");
  EXPECT_EQ(decode(request_bytes({.events = sixteen})).error, "bad request: 17 events, at most 16");
}

TEST(RequestDecoder, EventNames) {
  EXPECT_TRUE(decode(request_bytes({.events = {std::string(128, 'a')}})).ok);
  EXPECT_EQ(decode(request_bytes({.events = {"cycles", std::string(129, 'a')}})).error,
            "bad request: event 1 is 129 bytes long, at most 128");
  EXPECT_EQ(decode(request_bytes({.events = {""}})).error, "bad request: event 0 is empty");
  EXPECT_EQ(decode(request_bytes({.events = {"cyc\nles"}})).error,
            "bad request: event 0 has a control byte");
}

TEST(RequestDecoder, NegativePid) {
  EXPECT_EQ(decode(request_bytes({.pid = -1})).error, "bad request: negative pid -1");
}

TEST(RequestDecoder, Sizes) {
  EXPECT_EQ(decode({}).error, "bad request: empty message");
  EXPECT_EQ(decode(std::vector<std::uint8_t>(4097, 0)).error,
            "bad request: 4097 bytes, at most 4096");
}

TEST(RequestDecoder, Garbage) {
  std::vector<std::uint8_t> bytes(64, 0xff);
  EXPECT_FALSE(decode(bytes).ok);
  // The identifier right, everything else garbage: the Verifier refuses it.
  bytes.assign(64, 0xff);
  bytes[4] = 'S', bytes[5] = 'R', bytes[6] = 'Q', bytes[7] = '1';
  EXPECT_EQ(decode(bytes).error, "bad request: the FlatBuffer does not verify");
  std::uint32_t seed = 1;
  for (int round = 0; round < 2000; ++round) {
    bytes = request_bytes({.pid = 3, .events = {"task-clock", "cs"}});
    seed = seed * 1103515245u + 12345u;
    bytes[(seed >> 8) % bytes.size()] ^= static_cast<std::uint8_t>(1u + (seed >> 20) % 255u);
    const auto r = decode(bytes);  // must not crash; either way one line
    if (!r.ok) {
      EXPECT_TRUE(r.error.starts_with("bad request: "));
    }
  }
}

}  // namespace
}  // namespace sysring::broker::requests
