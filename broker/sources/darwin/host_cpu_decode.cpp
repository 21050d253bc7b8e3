#include "host_cpu_decode.hpp"

#include <array>
#include <utility>

namespace sysring::broker::darwin {
namespace {

constexpr std::array<std::pair<std::string_view, CpuState>, kCpuStateCount> kStates = {{
    {"user", CpuState::kUser},
    {"system", CpuState::kSystem},
    {"idle", CpuState::kIdle},
    {"nice", CpuState::kNice},
}};

}  // namespace

std::optional<CpuState> cpu_state_by_name(std::string_view name) {
  for (const auto& [state_name, state] : kStates) {
    if (state_name == name) return state;
  }
  return std::nullopt;
}

DecodeStatus count_cpus(Bytes reply, std::size_t& count) {
  count = 0;
  if (reply.empty()) return DecodeStatus::kTruncated;
  if (reply.size() % kCpuLoadInfoBytes != 0) return DecodeStatus::kBadLength;
  count = reply.size() / kCpuLoadInfoBytes;
  return DecodeStatus::kOk;
}

Decoded decode_cpu_ticks(Bytes reply, std::size_t cpu, CpuState state) {
  if (cpu >= reply.size() / kCpuLoadInfoBytes) return {DecodeStatus::kTruncated, 0, {}};
  const std::size_t offset =
      cpu * kCpuLoadInfoBytes + static_cast<std::size_t>(state) * sizeof(std::uint32_t);
  const std::optional<std::uint64_t> ticks = read_le(reply, offset, sizeof(std::uint32_t));
  if (!ticks) return {DecodeStatus::kTruncated, 0, {}};
  return {DecodeStatus::kOk, *ticks, {}};
}

}  // namespace sysring::broker::darwin
