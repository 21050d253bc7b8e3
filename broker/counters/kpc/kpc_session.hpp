// The privileged, system-wide per-CPU KPC session (darwin-facts §3): probe, plan, take the
// counters, program them, count, read every CPU into one preallocated buffer, and put things
// back on destruction (§3.3).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "counters/kpc/kpc_event_names.hpp"
#include "counters/kpc/kpc_loader.hpp"
#include "counters/kpc/kpc_plan.hpp"

namespace sysring::broker::counters::kpc {

class KpcSession {
 public:
  // Runs the whole set-up on a loaded (non-null) library; `cpu_count` must be at least the number
  // of CPU slices the framework writes (hw.logicalcpu_max / hw.ncpu, §3.2 step 11). Throws KpcError
  // with one line, after undoing whatever it had changed.
  KpcSession(std::shared_ptr<const KpcLibrary> library, std::span<const KpcEventRequest> requests,
             std::uint32_t cpu_count);
  // Stops counting, clears the configurable config words and restores force_all (§3.3).
  ~KpcSession();
  KpcSession(const KpcSession&) = delete;
  KpcSession& operator=(const KpcSession&) = delete;

  [[nodiscard]] const KpcPlan& plan() const { return plan_; }
  [[nodiscard]] std::uint32_t cpu_count() const { return cpu_count_; }
  // N = kpc_get_counter_count(classes): the stride of one CPU's slice (§3.4).
  [[nodiscard]] std::uint32_t counters_per_cpu() const { return counters_per_cpu_; }
  // kpc_get_counter_count(FIXED): slice positions below this are fixed counters (0 without FIXED).
  [[nodiscard]] std::uint32_t fixed_counters() const { return fixed_counters_; }
  // Classes found counting at start (a crashed broker's leftovers) and stopped; 0 if none.
  [[nodiscard]] std::uint32_t stale_counting_stopped() const { return stale_counting_; }
  [[nodiscard]] std::chrono::steady_clock::time_point counting_since() const { return since_; }

  // One kpc_get_cpu_counters(all_cpus) call into the zeroed buffer; false if it failed. Does
  // not allocate. Each call interrupts every CPU: read at the broker's cadence only (§3.2).
  bool read() noexcept;
  // CPU `cpu`'s slice of the last read: counters_per_cpu() values, CPU-major (§3.4).
  [[nodiscard]] std::span<const std::uint64_t> cpu_slice(std::uint32_t cpu) const;

 private:
  void start(std::span<const KpcEventRequest> requests);
  void teardown() noexcept;

  std::shared_ptr<const KpcLibrary> library_;
  const KpcSymbols& kpc_;
  std::uint32_t cpu_count_;
  KpcPlan plan_;
  std::uint32_t counters_per_cpu_ = 0;
  std::uint32_t fixed_counters_ = 0;
  std::uint32_t stale_counting_ = 0;
  int saved_force_all_ = 0;
  bool forced_ = false;
  bool configured_ = false;
  bool counting_ = false;
  std::chrono::steady_clock::time_point since_{};
  std::vector<std::uint64_t> buffer_;
};

}  // namespace sysring::broker::counters::kpc
