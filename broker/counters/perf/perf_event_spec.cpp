#include "counters/perf/perf_event_spec.hpp"

#include <perfmon/pfmlib_perf_event.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <memory>

#include "counters/counter_events.hpp"

namespace sysring::broker::counters::perf {
namespace {

struct GenericEvent {
  std::string_view name;
  std::uint32_t type;
  std::uint64_t config;
};

// perf(1)'s generic names. The named slots of counter_events.hpp are all here; the rest go to
// custom slots.
constexpr std::array<GenericEvent, 19> kGenericEvents = {{
    {"cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
    {"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
    {"cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES},
    {"cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
    {"branches", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS},
    {"branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES},
    {"bus-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES},
    {"stalled-cycles-frontend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND},
    {"stalled-cycles-backend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND},
    {"ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES},
    {"cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK},
    {"task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},
    {"page-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS},
    {"context-switches", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES},
    {"cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS},
    {"minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN},
    {"major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ},
    {"alignment-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS},
    {"emulation-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS},
}};

const GenericEvent* find_generic(std::string_view name) {
  if (name == "cpu-cycles") name = "cycles";  // perf(1)'s other spelling
  // Aliases and slot names ("cs", "branch_misses") map to the named event's generic name.
  if (const auto named = find_named_event(name)) name = named->generic_name;
  for (const GenericEvent& e : kGenericEvents) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

// pfm_initialize() once per process; its result decides whether libpfm4 can be asked at all.
int pfm_status() {
  static const int status = pfm_initialize();
  return status;
}

bool resolve_with_libpfm(std::string_view name, PerfEventSpec& out, std::string& error) {
  const std::string quoted = "unknown counter event \"" + std::string(name) + "\": ";
  if (const int status = pfm_status(); status != PFM_SUCCESS) {
    error = quoted + "not a generic perf event, and libpfm4 failed to start (" +
            pfm_strerror(status) + ")";
    return false;
  }
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  char* fstr = nullptr;
  pfm_perf_encode_arg_t arg{};
  arg.attr = &attr;
  arg.fstr = &fstr;
  arg.size = sizeof(arg);
  // User and kernel level: the broker counts the whole machine.
  const std::string cname(name);
  const int rc =
      pfm_get_os_event_encoding(cname.c_str(), PFM_PLM0 | PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
  const std::unique_ptr<char, decltype(&std::free)> owned(fstr, &std::free);
  if (rc != PFM_SUCCESS) {
    error = quoted + "not a generic perf event and libpfm4 does not know it";
    if (rc != PFM_ERR_NOTFOUND) error += std::string(" (") + pfm_strerror(rc) + ")";
    return false;
  }
  out.pfm_name = fstr != nullptr ? fstr : "";
  out.type = attr.type;
  out.config = attr.config;
  out.config1 = attr.config1;
  out.config2 = attr.config2;
  out.exclude_user = attr.exclude_user;
  out.exclude_kernel = attr.exclude_kernel;
  out.exclude_hv = attr.exclude_hv;
  out.exclude_guest = attr.exclude_guest;
  out.exclude_host = attr.exclude_host;
  return true;
}

template <typename Name>
ResolvedEvents resolve_all(std::span<const Name> names) {
  ResolvedEvents result;
  if (names.size() > kMaxEventsPerCpu) {
    result.error = "too many counter events: " + std::to_string(names.size()) + " given, at most " +
                   std::to_string(kMaxEventsPerCpu) + " (" + std::to_string(kNamedEvents.size()) +
                   " named + " + std::to_string(kCustomSlots) + " custom)";
    return result;
  }
  std::size_t custom = 0;
  for (const Name& name : names) {
    PerfEventSpec spec;
    if (!resolve_perf_event(name, spec, result.error)) break;
    for (const PerfEventSpec& seen : result.events) {
      if (seen.same_event(spec)) {
        result.error = "counter event \"" + std::string(name) + "\" is given twice (as \"" +
                       seen.name + "\" before)";
        break;
      }
    }
    if (!result.error.empty()) break;
    // Slots go by name: libpfm's "perf::CYCLES" lands in a custom slot, and cannot collide
    // with "cycles" because same_event refused it above.
    if (const auto named = find_named_event(name)) {
      spec.slot = std::string(named->slot);
    } else if (custom == kCustomSlots) {
      result.error = "too many custom counter events: \"" + std::string(name) + "\" would be the " +
                     std::to_string(custom + 1) + "th; at most " + std::to_string(kCustomSlots) +
                     " events without a registry row of their own";
      break;
    } else {
      spec.slot = "custom" + std::to_string(custom++);
    }
    result.events.push_back(std::move(spec));
  }
  if (!result.error.empty()) result.events.clear();
  return result;
}

const char* type_name(std::uint32_t type) {
  switch (type) {
    case PERF_TYPE_HARDWARE:
      return "hardware";
    case PERF_TYPE_SOFTWARE:
      return "software";
    case PERF_TYPE_TRACEPOINT:
      return "tracepoint";
    case PERF_TYPE_HW_CACHE:
      return "hw_cache";
    case PERF_TYPE_RAW:
      return "raw";
    case PERF_TYPE_BREAKPOINT:
      return "breakpoint";
    default:
      return nullptr;  // a dynamic PMU type (from /sys/bus/event_source/devices/*/type)
  }
}

std::string hex(std::uint64_t v) {
  std::array<char, 20> buf{};
  const auto end = std::to_chars(buf.data(), buf.data() + buf.size(), v, 16).ptr;
  return "0x" + std::string(buf.data(), end);
}

}  // namespace

bool PerfEventSpec::same_event(const PerfEventSpec& o) const {
  return type == o.type && config == o.config && config1 == o.config1 && config2 == o.config2 &&
         exclude_user == o.exclude_user && exclude_kernel == o.exclude_kernel;
}

bool resolve_perf_event(std::string_view name, PerfEventSpec& out, std::string& error) {
  out = PerfEventSpec{};
  out.name = std::string(name);
  if (name.empty()) {
    error = "empty counter event name";
    return false;
  }
  if (const GenericEvent* generic = find_generic(name)) {
    out.type = generic->type;
    out.config = generic->config;
    return true;
  }
  return resolve_with_libpfm(name, out, error);
}

ResolvedEvents resolve_perf_events(std::span<const std::string> names) {
  return resolve_all(names);
}

ResolvedEvents resolve_perf_events(std::span<const std::string_view> names) {
  return resolve_all(names);
}

perf_event_attr make_perf_attr(const PerfEventSpec& spec, bool leader) {
  perf_event_attr attr{};
  attr.size = sizeof(attr);
  attr.type = spec.type;
  attr.config = spec.config;
  attr.config1 = spec.config1;
  attr.config2 = spec.config2;
  attr.read_format = kGroupReadFormat;
  attr.disabled = leader ? 1 : 0;
  attr.exclude_user = spec.exclude_user;
  attr.exclude_kernel = spec.exclude_kernel;
  attr.exclude_hv = spec.exclude_hv;
  attr.exclude_guest = spec.exclude_guest;
  attr.exclude_host = spec.exclude_host;
  return attr;
}

std::string describe_encoding(const PerfEventSpec& spec) {
  const char* type = type_name(spec.type);
  std::string text = std::string("perf ") + (type != nullptr ? type : "pmu type ") +
                     (type != nullptr ? "" : std::to_string(spec.type)) + " config " +
                     hex(spec.config);
  if (spec.config1 != 0) text += " config1 " + hex(spec.config1);
  if (spec.config2 != 0) text += " config2 " + hex(spec.config2);
  if (!spec.pfm_name.empty()) text += " (libpfm4 " + spec.pfm_name + ")";
  return text;
}

}  // namespace sysring::broker::counters::perf
