#include "counters/perf/perf_counters.hpp"

#include <algorithm>
#include <exception>
#include <span>

#include "counters/counter_events.hpp"
#include "counters/perf/cpu_list.hpp"
#include "counters/perf/perf_counter_backend.hpp"
#include "counters/perf/perf_event_spec.hpp"
#include "counters/perf/perf_group_fitting.hpp"
#include "counters/perf/perf_pmu_probe.hpp"
#include "counters/perf/perf_syscalls.hpp"
#include "sysring/errno_text.hpp"

namespace sysring::broker::counters::perf {
namespace {

CounterSetup fail(std::string reason) {
  return CounterSetup{nullptr, std::move(reason)};
}

CounterSetup fail_permission(const std::string& proc_root, int error) {
  return CounterSetup{nullptr, no_permission_message(proc_root, error), true};
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

// "perf_event: 8 events on 2 CPUs in 2 groups (split to fit the PMU)", with the software
// fallback in front and dropped default events behind.
std::string make_summary(const std::string& pmu_note, std::size_t events, std::uint32_t cpus,
                         std::size_t groups, const std::string& not_counted) {
  std::string s = "perf_event: ";
  if (!pmu_note.empty()) s += pmu_note + "; ";
  s += plural(events, "event") + " on " + plural(cpus, "CPU") + " in " + plural(groups, "group");
  if (groups > 1) s += " (split to fit the PMU)";
  if (!not_counted.empty()) s += "; not counted: " + not_counted;
  return s;
}

CounterSetup make_or_throw(const PerfCounterOptions& options) {
  const std::shared_ptr<PerfSyscalls> sys =
      options.syscalls ? options.syscalls : real_perf_syscalls();

  std::string error;
  const auto possible = read_cpu_list(options.sys_root, "possible", error);
  if (!possible) return fail(error);
  auto online = read_cpu_list(options.sys_root, "online", error);
  if (!online) return fail(error);
  if (possible->empty()) return fail("perf_event: no possible CPUs in " + options.sys_root);
  std::erase_if(*online, [&](std::uint32_t cpu) {
    return !std::binary_search(possible->begin(), possible->end(), cpu);
  });
  if (online->empty()) return fail("perf_event: no online CPU to count on");
  const std::uint32_t cpu_count = possible->back() + 1;
  const int probe_cpu = static_cast<int>(online->front());

  const bool defaults = options.events.empty();
  ResolvedEvents resolved = defaults ? resolve_perf_events(std::span(kDefaultHardwareEvents))
                                     : resolve_perf_events(std::span(options.events));
  if (!resolved.error.empty()) return fail(resolved.error);

  // The first open decides privilege and whether hardware events exist here.
  const PmuProbe pmu = probe_pmu(*sys, probe_cpu);
  if (pmu.kind == PmuProbe::Kind::kNoPermission) {
    return fail_permission(options.proc_root, pmu.error);
  }
  std::string pmu_note;
  if (pmu.kind != PmuProbe::Kind::kHardware) {
    const std::string why = std::string("cycles: ") + errno_text(pmu.error);
    const bool none = pmu.kind == PmuProbe::Kind::kNoHardware;
    if (defaults) {
      resolved = resolve_perf_events(std::span(kFallbackSoftwareEvents));
      if (!resolved.error.empty()) return fail(resolved.error);
      pmu_note = std::string("software events only — ") +
                 (none ? "this machine has no hardware PMU" : "the hardware PMU cannot be used") +
                 " (" + why + ")";
    } else {
      for (const PerfEventSpec& e : resolved.events) {
        if (e.hardware()) {
          return fail("counter event \"" + e.name + "\" needs a hardware PMU, and " +
                      (none ? "this machine has none" : "it cannot be used") + " (" + why + ")");
        }
      }
    }
  }

  const FitResult fit = fit_groups(*sys, resolved.events, probe_cpu, options.fit_probe);
  if (fit.permission_error != 0) {
    return fail_permission(options.proc_root, fit.permission_error);
  }
  std::string not_counted;
  for (const EventFailure& f : fit.failures) {
    const PerfEventSpec& e = resolved.events[f.event];
    // An event the user named must be counted or refused; the defaults may lose one.
    if (!defaults) {
      return fail("counter event \"" + e.name + "\" cannot be counted on cpu " +
                  std::to_string(probe_cpu) + ": " + f.reason);
    }
    if (!not_counted.empty()) not_counted += ", ";
    not_counted += e.name + " (" + f.reason + ")";
  }
  if (fit.kept.empty()) return fail("perf_event: no counter event can be counted: " + not_counted);

  PerfBackendConfig config;
  config.syscalls = sys;
  config.groups = fit.groups;
  config.cpu_count = cpu_count;
  config.sys_root = options.sys_root;
  config.hotplug_check_interval = options.hotplug_check_interval;
  for (std::size_t g = 0; g < fit.groups.size(); ++g) {
    const GroupPlan& group = fit.groups[g];
    for (std::size_t i = group.first; i < group.first + group.count; ++i) {
      const PerfEventSpec& e = resolved.events[fit.kept[i]];
      config.events.push_back(e);
      config.bound.push_back({e.slot, e.name,
                              describe_encoding(e) + ", group " + std::to_string(g + 1) + " of " +
                                  std::to_string(fit.groups.size())});
    }
  }
  config.summary =
      make_summary(pmu_note, config.events.size(), cpu_count, fit.groups.size(), not_counted);

  auto backend = std::make_unique<PerfCounterBackend>(std::move(config));
  if (const int rc = backend->start(*online); rc != 0) {
    return fail_permission(options.proc_root, rc);
  }
  // CPUs that could not be opened (EMFILE, EBUSY, ...) are retried at each hotplug check; the
  // summary says so rather than let the sums quietly leave them out.
  std::string failing;
  std::size_t failed = 0;
  for (const std::uint32_t cpu : *online) {
    if (backend->cpu_counting(cpu)) continue;
    if (++failed <= 3) {
      failing += (failing.empty() ? "" : ", ") + std::string("cpu") + std::to_string(cpu) + " (" +
                 backend->cpu_note(cpu) + ")";
    }
  }
  if (failed > 0) {
    backend->append_summary("; not counting on " + std::to_string(failed) + " of " +
                            std::to_string(online->size()) + " online CPUs: " + failing +
                            (failed > 3 ? ", ..." : ""));
  }
  return CounterSetup{std::move(backend), ""};
}

}  // namespace

CounterSetup make_perf_counters(const PerfCounterOptions& options) {
  try {
    return make_or_throw(options);
  } catch (const std::exception& e) {  // std::bad_alloc; the broker goes on without counters
    return fail(std::string("perf_event: ") + e.what());
  }
}

}  // namespace sysring::broker::counters::perf
