// CounterBackend over a running KpcSession: one kpc_get_cpu_counters per read(), each event's
// value taken from its counter-map position in every CPU's slice.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "counters/counter_backend.hpp"
#include "counters/kpc/kpc_session.hpp"

namespace sysring::broker::counters::kpc {

class KpcCounterBackend final : public CounterBackend {
 public:
  // `session` must have at most kMaxEventsPerCpu events.
  KpcCounterBackend(std::unique_ptr<KpcSession> session, std::string summary);

  [[nodiscard]] const std::string& summary() const override { return summary_; }
  [[nodiscard]] std::span<const BoundEvent> events() const override { return events_; }
  [[nodiscard]] std::uint32_t cpu_count() const override { return session_->cpu_count(); }
  // KPC does not multiplex: time_enabled = time_running = ns since counting started. A CPU
  // whose slice stayed all zero did not answer the cross-call and is marked offline.
  void read(std::span<CpuCounters> out) override;

 private:
  std::unique_ptr<KpcSession> session_;
  std::string summary_;
  std::vector<BoundEvent> events_;
};

}  // namespace sysring::broker::counters::kpc
