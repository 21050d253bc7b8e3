// The sysring event → kpep name table and the checks on a requested event list.
#include "counters/kpc/kpc_event_names.hpp"

#include <algorithm>
#include <array>
#include <string_view>

#include "counters/counter_events.hpp"
#include "counters/kpc/kpc_errors.hpp"

namespace sysring::broker::counters::kpc {
namespace {

struct KpepCandidates {
  std::string_view slot;
  std::array<std::string_view, 3> names;  // empty entries unused
  int fixed_counter;
};

// First choice is the event every chip M1–M5 has; later ones are fallbacks (darwin-facts §4.2).
constexpr std::array<KpepCandidates, 6> kCandidates = {{
    // Fixed counter 0 (PMC0); the alias "Cycles" and the configurable CORE_ACTIVE_CYCLE after.
    {"cycles", {"FIXED_CYCLES", "Cycles", "CORE_ACTIVE_CYCLE"}, 0},
    // Fixed counter 1 (PMC1); INST_ALL is its configurable fallback.
    {"instructions", {"FIXED_INSTRUCTIONS", "Instructions", "INST_ALL"}, 1},
    {"branches", {"INST_BRANCH", {}, {}}, -1},
    // Retired mispredicts; the ARM architectural event exists on M4/M5 only.
    {"branch_misses", {"BRANCH_MISPRED_NONSPEC", "ARM_BR_MIS_PRED", {}}, -1},
    // Retired loads + stores: the L1D accesses. Mask 0x80 (PMC7) on M1–M3.
    {"cache_references", {"INST_LDST", {}, {}}, -1},
    // L1D load misses; any configurable counter, so it never competes for PMC5–7 on M1–M3
    // (the _NONSPEC variant would make four events for three counters there).
    {"cache_misses", {"L1D_CACHE_MISS_LD", "ARM_L1D_CACHE_REFILL", {}}, -1},
}};

const KpepCandidates* candidates_for(std::string_view slot) {
  for (const KpepCandidates& c : kCandidates) {
    if (c.slot == slot) return &c;
  }
  return nullptr;
}

KpcEventRequest named_request(const KpepCandidates& c, std::string requested, bool optional) {
  KpcEventRequest r;
  r.slot = std::string(c.slot);
  r.requested = std::move(requested);
  for (std::string_view n : c.names) {
    if (!n.empty()) r.kpep_names.emplace_back(n);
  }
  r.fixed_counter = c.fixed_counter;
  r.optional = optional;
  return r;
}

}  // namespace

std::vector<KpcEventRequest> resolve_kpc_events(std::span<const std::string> names) {
  std::vector<KpcEventRequest> out;
  if (names.empty()) {
    for (std::string_view generic : kDefaultHardwareEvents) {
      const auto named = find_named_event(generic);
      out.push_back(named_request(*candidates_for(named->slot), std::string(generic), true));
    }
    return out;
  }

  std::size_t customs = 0;
  for (const std::string& name : names) {
    if (name.empty()) throw KpcError("KPC: empty event name in the event list");
    KpcEventRequest request;
    if (const auto named = find_named_event(name)) {
      const KpepCandidates* c = candidates_for(named->slot);
      if (c == nullptr) {
        throw KpcError("KPC: '" + name +
                       "' is a software event; KPC counts only hardware events (cycles, "
                       "instructions, branches, branch-misses, cache-references, cache-misses, "
                       "or a kpep event name)");
      }
      request = named_request(*c, name, false);
    } else {
      if (customs == kCustomSlots) {
        throw KpcError("KPC: more than " + std::to_string(kCustomSlots) +
                       " kpep events without a row of their own (at '" + name + "')");
      }
      request.slot = "custom" + std::to_string(customs++);
      request.requested = name;
      request.kpep_names = {name};
    }
    const bool duplicate = std::any_of(out.begin(), out.end(), [&](const KpcEventRequest& r) {
      return r.slot == request.slot || (r.kpep_names == request.kpep_names);
    });
    if (duplicate) throw KpcError("KPC: event '" + name + "' is listed twice");
    out.push_back(std::move(request));
  }
  return out;
}

}  // namespace sysring::broker::counters::kpc
