// The set-up order follows darwin-facts §3.1, with one deliberate change: counting left running
// is stopped only once the counters are ours (after force_all succeeds), so a live tool that
// holds them is refused (EACCES) without having its counting stopped first.
#include "counters/kpc/kpc_session.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>

#include "counters/kpc/kpc_errors.hpp"

namespace sysring::broker::counters::kpc {
namespace {

std::string hex(std::uint32_t v) {
  char text[16];
  (void)std::snprintf(text, sizeof text, "0x%x", v);
  return text;
}

// kpc_* return 0 on success, non-zero with errno set; any non-zero is a failure (§1.3).
void check_kpc(int rc, KpcCall call, const std::string& what) {
  if (rc != 0) throw KpcError(kpc_call_error(call, what, errno));
}

}  // namespace

KpcSession::KpcSession(std::shared_ptr<const KpcLibrary> library,
                       std::span<const KpcEventRequest> requests, std::uint32_t cpu_count)
    : library_(std::move(library)), kpc_(library_->symbols()), cpu_count_(cpu_count) {
  if (cpu_count_ == 0) throw KpcError("KPC: the CPU count is unknown");
  try {
    start(requests);
  } catch (...) {
    teardown();
    throw;
  }
}

KpcSession::~KpcSession() {
  teardown();
}

void KpcSession::start(std::span<const KpcEventRequest> requests) {
  // §3.1 step 2: the privilege probe, which also saves force_all for the teardown.
  check_kpc(kpc_.kpc_force_all_ctrs_get(&saved_force_all_), KpcCall::kProbe,
            "kpc_force_all_ctrs_get");

  plan_ = plan_kpc_events(kpc_, requests);  // steps 3–6, no root
  const bool configurable = (plan_.classes & kClassConfigurableMask) != 0;

  // Step 7, before kpc_set_config: the kernel sizes the config write by the forced counter
  // count (8 words forced, 5 not). Taken even for fixed counters only, as DK and KD do: its
  // EACCES is the one sign that a live tool owns the counters, checked before we stop anything.
  check_kpc(kpc_.kpc_force_all_ctrs_set(1), KpcCall::kForceAll, "kpc_force_all_ctrs_set(1)");
  forced_ = true;

  // A crashed broker loses force_all at exit but its counting keeps running (§3.3 step 20).
  stale_counting_ = kpc_.kpc_get_counting();
  if (stale_counting_ != 0) {
    check_kpc(kpc_.kpc_set_counting(0), KpcCall::kOther, "kpc_set_counting(0)");
  }

  // Step 8; on arm64 the fixed class has no config words.
  if (configurable && !plan_.config_words.empty()) {
    configured_ = true;  // set first: a refused write may still have changed some words
    check_kpc(kpc_.kpc_set_config(plan_.classes, plan_.config_words.data()), KpcCall::kSetConfig,
              "kpc_set_config(" + hex(plan_.classes) + ")");
  }

  // Step 10: the per-CPU stride, read after forcing (configurable = 8 only while forced).
  counters_per_cpu_ = kpc_.kpc_get_counter_count(plan_.classes);
  if (counters_per_cpu_ == 0 || counters_per_cpu_ > kMaxCounters) {
    throw KpcError("KPC: kpc_get_counter_count(" + hex(plan_.classes) + ") gave " +
                   std::to_string(counters_per_cpu_) + " counters per CPU");
  }
  for (const PlannedEvent& e : plan_.events) {
    if (e.counter_index >= counters_per_cpu_) {
      throw KpcError("KPC: kpep maps " + e.kpep_name + " to counter " +
                     std::to_string(e.counter_index) + ", outside the " +
                     std::to_string(counters_per_cpu_) + " counters per CPU");
    }
  }
  if ((plan_.classes & kClassFixedMask) != 0) {
    fixed_counters_ = std::min(kpc_.kpc_get_counter_count(kClassFixedMask), counters_per_cpu_);
  }
  // Step 12: C × N, allocated once; read() only zeroes and fills it.
  buffer_.assign(static_cast<std::size_t>(cpu_count_) * counters_per_cpu_, 0);

  // Step 9, last: nothing counts until everything above succeeded.
  counting_ = true;
  check_kpc(kpc_.kpc_set_counting(plan_.classes), KpcCall::kOther,
            "kpc_set_counting(" + hex(plan_.classes) + ")");
  since_ = std::chrono::steady_clock::now();
}

void KpcSession::teardown() noexcept {
  // §3.3: stop, clear our event selectors (Apple's kpc_reset_atend), then give force_all back.
  // Counting found at start belonged to a dead broker and is not restarted.
  if (counting_) {
    kpc_.kpc_set_counting(0);
    counting_ = false;
  }
  if (configured_) {
    // Still forced here, so the count is the one the config was written with.
    const std::uint32_t words = kpc_.kpc_get_config_count(kClassConfigurableMask);
    std::array<kpc_config_t, kMaxCounters> zeros{};
    if (words > 0 && words <= zeros.size()) {
      kpc_.kpc_set_config(kClassConfigurableMask, zeros.data());
    }
    configured_ = false;
  }
  if (forced_) {
    kpc_.kpc_force_all_ctrs_set(saved_force_all_);
    forced_ = false;
  }
}

bool KpcSession::read() noexcept {
  std::fill(buffer_.begin(), buffer_.end(), 0);  // a CPU that did not answer stays zero (§3.4)
  int curcpu = 0;
  return kpc_.kpc_get_cpu_counters(true, plan_.classes, &curcpu, buffer_.data()) == 0;
}

std::span<const std::uint64_t> KpcSession::cpu_slice(std::uint32_t cpu) const {
  return std::span<const std::uint64_t>(buffer_).subspan(
      static_cast<std::size_t>(cpu) * counters_per_cpu_, counters_per_cpu_);
}

}  // namespace sysring::broker::counters::kpc
