// Placing KPC's per-CPU slices into CpuCounters through the kpep counter map (§3.2 step 14).
#include "counters/kpc/kpc_counter_backend.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace sysring::broker::counters::kpc {
namespace {

std::string binding_text(const KpcSession& session, const PlannedEvent& e) {
  const bool fixed = e.counter_index < session.fixed_counters();
  char text[160];
  (void)std::snprintf(text, sizeof text, "kpc %s counter, index %zu of %u per CPU, classes 0x%x",
                      fixed ? "fixed" : "configurable", e.counter_index, session.counters_per_cpu(),
                      session.plan().classes);
  return text;
}

}  // namespace

KpcCounterBackend::KpcCounterBackend(std::unique_ptr<KpcSession> session, std::string summary)
    : session_(std::move(session)), summary_(std::move(summary)) {
  for (const PlannedEvent& e : session_->plan().events) {
    events_.push_back({e.slot, e.kpep_name, binding_text(*session_, e)});
  }
}

void KpcCounterBackend::read(std::span<CpuCounters> out) {
  const auto& planned = session_->plan().events;
  const bool ok = out.size() == session_->cpu_count() && session_->read();
  const auto elapsed = std::chrono::steady_clock::now() - session_->counting_since();
  const auto ns = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()));

  for (std::size_t cpu = 0; cpu < out.size(); ++cpu) {
    CpuCounters& c = out[cpu];
    c.values = {};
    c.online = false;
    if (!ok) continue;
    const auto slice = session_->cpu_slice(static_cast<std::uint32_t>(cpu));
    // [U] darwin-facts §3.4: an offline CPU leaves its slice unwritten, so still zero.
    c.online = std::any_of(slice.begin(), slice.end(), [](std::uint64_t v) { return v != 0; });
    if (!c.online) continue;
    for (std::size_t k = 0; k < planned.size() && k < c.values.size(); ++k) {
      c.values[k] = {slice[planned[k].counter_index], ns, ns};
    }
  }
}

}  // namespace sysring::broker::counters::kpc
