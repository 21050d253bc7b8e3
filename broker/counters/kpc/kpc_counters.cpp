// make_kpc_counters: load → resolve names → session → backend, and the summary line.
#include "counters/kpc/kpc_counters.hpp"

#include <array>
#include <cstdio>

#include "counters/kpc/kpc_counter_backend.hpp"
#include "counters/kpc/kpc_errors.hpp"
#include "counters/kpc/kpc_event_names.hpp"
#include "counters/kpc/kpc_host.hpp"
#include "counters/kpc/kpc_session.hpp"

namespace sysring::broker::counters::kpc {
namespace {

// "Apple M2" on a Mac; else what kpc_cpu_string prints (it names the kpep database, §1.3).
std::string cpu_label(const KpcSymbols& kpc) {
  std::string brand = host_cpu_brand();
  if (!brand.empty()) return brand;
  std::array<char, 128> text{};
  const int n = kpc.kpc_cpu_string(text.data(), text.size());
  if (n > 0) return std::string(text.data());
  return "unknown CPU";
}

// "KPC: Apple M2 (kpep db a15), 2 fixed + 4 configurable counters[; ...]".
std::string summary_line(const KpcSession& session, const std::string& cpu) {
  const KpcPlan& plan = session.plan();
  std::size_t fixed = 0;
  for (const PlannedEvent& e : plan.events) {
    if (e.counter_index < session.fixed_counters()) ++fixed;
  }
  std::string line = "KPC: " + cpu;
  line += plan.db_problem.empty()
              ? " (kpep db " + (plan.db_name.empty() ? "unnamed" : plan.db_name) + ")"
              : " (no kpep database: " + plan.db_problem + ")";
  line += ", " + std::to_string(fixed) + " fixed + " + std::to_string(plan.events.size() - fixed) +
          " configurable counters";
  if (!plan.skipped.empty()) {
    line += "; not counted here:";
    for (const SkippedEvent& s : plan.skipped) line += " " + s.slot + ",";
    line.pop_back();
  }
  if (session.stale_counting_stopped() != 0) {
    char text[64];
    (void)std::snprintf(text, sizeof text, "; stopped stale counting (classes 0x%x)",
                        session.stale_counting_stopped());
    line += text;
  }
  return line;
}

}  // namespace

CounterSetup make_kpc_counters(const KpcOptions& options) {
  CounterSetup setup;
  KpcLoadResult loaded = load_kpc(options.kperf_path, options.kperfdata_path);
  if (!loaded.library) {
    setup.unavailable_reason = std::move(loaded.error);
    return setup;
  }
  try {
    const auto requests = resolve_kpc_events(options.events);
    const std::uint32_t cpus = options.cpu_count != 0 ? options.cpu_count : host_cpu_count();
    const std::string cpu = cpu_label(loaded.library->symbols());
    auto session = std::make_unique<KpcSession>(loaded.library, requests, cpus);
    std::string summary = summary_line(*session, cpu);
    setup.backend = std::make_unique<KpcCounterBackend>(std::move(session), std::move(summary));
  } catch (const KpcError& e) {
    setup.unavailable_reason = e.what();
  } catch (const std::bad_alloc&) {
    setup.unavailable_reason = "KPC: out of memory during set-up";
  }
  return setup;
}

}  // namespace sysring::broker::counters::kpc
