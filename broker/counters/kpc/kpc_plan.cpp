// kpep_db_create → kpep_config_* → config words, classes and map. The db and config are freed
// before returning: everything later needs only these plain numbers.
#include "counters/kpc/kpc_plan.hpp"

#include <array>
#include <memory>

#include "counters/kpc/kpc_errors.hpp"

namespace sysring::broker::counters::kpc {
namespace {

constexpr int kKpepEventNotFound = 11;
constexpr int kKpepConflictingEvents = 12;

// kpep objects freed through the loaded symbols.
struct DbDeleter {
  kpep_db_free_fn free;
  void operator()(kpep_db* db) const { free(db); }
};
struct ConfigDeleter {
  kpep_config_free_fn free;
  void operator()(kpep_config* cfg) const { free(cfg); }
};
using DbPtr = std::unique_ptr<kpep_db, DbDeleter>;
using ConfigPtr = std::unique_ptr<kpep_config, ConfigDeleter>;

void check_kpep(int rc, const std::string& what) {
  if (rc != 0) throw KpcError("KPC: " + what + " failed: " + describe_kpep_error(rc));
}

// No database: the fixed counters still count cycles (PMC0) and instructions (PMC1).
KpcPlan fixed_only_plan(std::span<const KpcEventRequest> requests, std::string problem) {
  KpcPlan plan;
  plan.classes = kClassFixedMask;
  plan.db_problem = std::move(problem);
  static constexpr const char* kFixedNames[] = {"FIXED_CYCLES", "FIXED_INSTRUCTIONS"};
  for (const KpcEventRequest& r : requests) {
    if (r.fixed_counter >= 0) {
      plan.events.push_back(
          {r.slot, kFixedNames[r.fixed_counter], static_cast<std::size_t>(r.fixed_counter)});
    } else if (r.optional) {
      plan.skipped.push_back({r.slot, "no kpep database"});
    } else {
      throw KpcError("KPC: '" + r.requested + "' needs the kpep event database, which " +
                     plan.db_problem + "; without it only cycles and instructions can be counted");
    }
  }
  return plan;
}

std::string conflict_names(std::uint32_t bitmap, const std::vector<PlannedEvent>& added) {
  std::string names;
  for (std::size_t i = 0; i < added.size() && i < 32; ++i) {
    if ((bitmap & (1u << i)) == 0) continue;
    if (!names.empty()) names += ", ";
    names += added[i].kpep_name;
  }
  return names.empty() ? "the events already added" : names;
}

// Tries each kpep name of `r` until one is found and added; returns why none was, or "".
std::string add_event(const KpcSymbols& kpc, kpep_db* db, kpep_config* cfg,
                      const std::string& db_label, const KpcEventRequest& r, KpcPlan& plan) {
  std::string why;
  for (const std::string& name : r.kpep_names) {
    kpep_event* ev = nullptr;
    const int found = kpc.kpep_db_event(db, name.c_str(), &ev);
    if (found != 0) {
      if (why.empty() || found != kKpepEventNotFound) {
        why = "'" + name + "' not usable in kpep database " + db_label + ": " +
              describe_kpep_error(found);
      }
      continue;
    }
    std::uint32_t conflicts = 0;
    // flag 0: count all modes; release kernels still count configurable events at EL0 only
    // (§3.7). The framework may swap *ev for a fallback event, so the name is read after.
    const int added = kpc.kpep_config_add_event(cfg, &ev, 0, &conflicts);
    if (added != 0) {
      why = "'" + name + "' cannot be added: " + describe_kpep_error(added);
      if (added == kKpepConflictingEvents) why += " with " + conflict_names(conflicts, plan.events);
      continue;
    }
    const char* bound = nullptr;
    if (kpc.kpep_event_name(ev, &bound) != 0 || bound == nullptr) bound = name.c_str();
    plan.events.push_back({r.slot, bound, 0});
    return {};
  }
  return why;
}

}  // namespace

KpcPlan plan_kpc_events(const KpcSymbols& kpc, std::span<const KpcEventRequest> requests) {
  kpep_db* raw_db = nullptr;
  const int created = kpc.kpep_db_create(nullptr, &raw_db);  // NULL: the current CPU (§2.2)
  if (created != 0 || raw_db == nullptr) {
    return fixed_only_plan(requests, "kpep_db_create failed: " + describe_kpep_error(created));
  }
  const DbPtr db(raw_db, DbDeleter{kpc.kpep_db_free});

  KpcPlan plan;
  const char* db_name = nullptr;
  if (kpc.kpep_db_name(db.get(), &db_name) == 0 && db_name != nullptr) plan.db_name = db_name;
  const std::string db_label = plan.db_name.empty() ? "(unnamed)" : plan.db_name;

  kpep_config* raw_cfg = nullptr;
  check_kpep(kpc.kpep_config_create(db.get(), &raw_cfg), "kpep_config_create");
  const ConfigPtr cfg(raw_cfg, ConfigDeleter{kpc.kpep_config_free});
  // Lets the plan use PMC5–7, which most branch/miss events need on M1–M3 (§4.2).
  check_kpep(kpc.kpep_config_force_counters(cfg.get()), "kpep_config_force_counters");

  for (const KpcEventRequest& r : requests) {
    const std::string why = add_event(kpc, db.get(), cfg.get(), db_label, r, plan);
    if (why.empty()) continue;
    if (!r.optional) throw KpcError("KPC: event '" + r.requested + "': " + why);
    plan.skipped.push_back({r.slot, why});
  }
  if (plan.events.empty()) throw KpcError("KPC: none of the events can be counted on this chip");

  std::size_t in_config = 0;
  check_kpep(kpc.kpep_config_events_count(cfg.get(), &in_config), "kpep_config_events_count");
  if (in_config != plan.events.size()) {
    throw KpcError("KPC: kpep config holds " + std::to_string(in_config) + " events, expected " +
                   std::to_string(plan.events.size()));
  }
  check_kpep(kpc.kpep_config_kpc_classes(cfg.get(), &plan.classes), "kpep_config_kpc_classes");
  std::size_t word_count = 0;
  check_kpep(kpc.kpep_config_kpc_count(cfg.get(), &word_count), "kpep_config_kpc_count");
  if (word_count > kMaxCounters) {
    throw KpcError("KPC: kpep wants " + std::to_string(word_count) + " config words, more than " +
                   std::to_string(kMaxCounters));
  }

  // KPC_MAX_COUNTERS entries: more than any event count, so the sizes are always enough (§3.1).
  std::array<std::size_t, kMaxCounters> map{};
  check_kpep(kpc.kpep_config_kpc_map(cfg.get(), map.data(), sizeof map), "kpep_config_kpc_map");
  std::array<kpc_config_t, kMaxCounters> words{};
  check_kpep(kpc.kpep_config_kpc(cfg.get(), words.data(), sizeof words), "kpep_config_kpc");

  for (std::size_t i = 0; i < plan.events.size(); ++i) plan.events[i].counter_index = map[i];
  plan.config_words.assign(words.begin(), words.begin() + static_cast<std::ptrdiff_t>(word_count));
  return plan;
}

}  // namespace sysring::broker::counters::kpc
