#include "requests/request_decoder.hpp"

#include <flatbuffers/flatbuffers.h>

#include "counter_request_generated.h"

namespace sysring::broker::requests {
namespace {

DecodedRequest refuse(std::string why) {
  DecodedRequest out;
  out.error = "bad request: " + std::move(why);
  return out;
}

}  // namespace

DecodedRequest decode_counter_request(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return refuse("empty message");
  if (bytes.size() > kMaxRequestBytes) {
    return refuse(std::to_string(bytes.size()) + " bytes, at most " +
                  std::to_string(kMaxRequestBytes));
  }
  if (bytes.size() < 8 || !flatbuffers::BufferHasIdentifier(bytes.data(), kRequestIdentifier)) {
    return refuse("not a CounterRequest (identifier SRQ1 missing)");
  }
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), /*max_depth=*/8, /*max_tables=*/64);
  if (!verifier.VerifyBuffer<wire::CounterRequest>(kRequestIdentifier)) {
    return refuse("the FlatBuffer does not verify");
  }
  const auto* root = flatbuffers::GetRoot<wire::CounterRequest>(bytes.data());
  if (root->version() != kProtocolVersion) {
    return refuse("protocol version " + std::to_string(root->version()) + ", this broker speaks " +
                  std::to_string(kProtocolVersion));
  }
  if (root->pid() < 0) return refuse("negative pid " + std::to_string(root->pid()));
  const auto* events = root->events();
  if (events == nullptr || events->size() == 0) return refuse("no events");
  if (events->size() > kMaxEvents) {
    return refuse(std::to_string(events->size()) + " events, at most " +
                  std::to_string(kMaxEvents));
  }
  DecodedRequest out;
  out.request.pid = root->pid();
  out.request.inherit = root->inherit();
  out.request.kernel = root->kernel();
  out.request.enable_on_exec = root->enable_on_exec();
  out.request.events.reserve(events->size());
  for (flatbuffers::uoffset_t i = 0; i < events->size(); ++i) {
    const flatbuffers::String* name = events->Get(i);
    if (name == nullptr || name->size() == 0) {
      return refuse("event " + std::to_string(i) + " is empty");
    }
    if (name->size() > kMaxEventNameBytes) {
      return refuse("event " + std::to_string(i) + " is " + std::to_string(name->size()) +
                    " bytes long, at most " + std::to_string(kMaxEventNameBytes));
    }
    const std::string_view text = name->string_view();
    for (const char c : text) {
      // Printable ASCII only: the name is echoed in the reply and in log lines.
      if (c < 0x20 || c > 0x7e) return refuse("event " + std::to_string(i) + " has a control byte");
    }
    out.request.events.emplace_back(text);
  }
  out.ok = true;
  return out;
}

}  // namespace sysring::broker::requests
