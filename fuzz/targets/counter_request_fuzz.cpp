// The broker's request decoder (broker/requests/request_decoder.cpp): one datagram from any
// local user on the request socket, through the FlatBuffers Verifier (identifier SRQ1) and the
// contract's limits (docs/PROCESS_COUNTERS.md). A request that passes must keep those limits; a
// refusal must be one line; either way the reply the broker would send must verify.
#include <flatbuffers/flatbuffers.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "counter_request_generated.h"
#include "requests/counter_reply.hpp"
#include "requests/request_decoder.hpp"

namespace {

void check_reply(const std::vector<std::uint8_t>& bytes) {
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!verifier.VerifyBuffer<sysring::wire::CounterReply>("SRP1")) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sysring::broker::requests;
  const DecodedRequest r = decode_counter_request(std::span<const std::uint8_t>(data, size));
  if (!r.ok) {
    if (r.error.rfind("bad request: ", 0) != 0 || r.error.find('\n') != std::string::npos) {
      std::abort();
    }
    check_reply(encode_error_reply(r.error));
    return 0;
  }
  if (size > kMaxRequestBytes || r.request.pid < 0 || r.request.events.empty() ||
      r.request.events.size() > kMaxEvents) {
    std::abort();
  }
  std::vector<GrantedCounterInfo> granted;
  for (const std::string& name : r.request.events) {
    if (name.empty() || name.size() > kMaxEventNameBytes) std::abort();
    granted.push_back({name, 1, 1, r.request.kernel});
  }
  check_reply(encode_counters_reply(granted));
  return 0;
}
