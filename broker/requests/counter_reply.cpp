#include "requests/counter_reply.hpp"

#include <flatbuffers/flatbuffers.h>

#include "counter_request_generated.h"
#include "requests/request_decoder.hpp"

namespace sysring::broker::requests {
namespace {

std::vector<std::uint8_t> finish(flatbuffers::FlatBufferBuilder& fbb,
                                 flatbuffers::Offset<wire::CounterReply> root) {
  fbb.Finish(root, kReplyIdentifier);
  return {fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize()};
}

}  // namespace

std::vector<std::uint8_t> encode_error_reply(std::string_view error) {
  flatbuffers::FlatBufferBuilder fbb(256);
  const auto text = fbb.CreateString(error.data(), error.size());
  return finish(fbb, wire::CreateCounterReply(fbb, kProtocolVersion, text));
}

std::vector<std::uint8_t> encode_counters_reply(const std::vector<GrantedCounterInfo>& counters) {
  flatbuffers::FlatBufferBuilder fbb(512);
  std::vector<flatbuffers::Offset<wire::GrantedCounter>> granted;
  granted.reserve(counters.size());
  for (const GrantedCounterInfo& c : counters) {
    granted.push_back(
        wire::CreateGrantedCounter(fbb, fbb.CreateString(c.name), c.type, c.config, c.kernel));
  }
  const auto list = fbb.CreateVector(granted);
  return finish(fbb, wire::CreateCounterReply(fbb, kProtocolVersion, 0, list));
}

}  // namespace sysring::broker::requests
