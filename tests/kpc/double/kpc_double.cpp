// The KPC test double: a stand-in for kperf.framework + kperfdata.framework, built only under
// tests/. It is NOT Apple's code and proves nothing about Apple's framework; it models what
// /work/shared/reference/darwin-facts.md says (§1.3 kpc calls, §2.2 kpep calls, §3.4 buffer
// layout, §4.2 an M2 "a15" database) so the loader and session can be tested on Linux.
//
// Define KPCDOUBLE_OMIT_KPC_SET_CONFIG or KPCDOUBLE_OMIT_KPEP_CONFIG_KPC_MAP to build a variant
// lacking that export (the loader's all-or-nothing test).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <type_traits>
#include <vector>

#include "counters/kpc/kpc_symbols.hpp"
#include "kpc_double_control.h"

namespace {

constexpr std::uint32_t kFixed = 1u << 0;
constexpr std::uint32_t kConfigurable = 1u << 1;
constexpr int kPmcs = 10;                    // PMC0-1 fixed, PMC2-9 configurable
constexpr std::uint32_t kAnyConfig = 0x3FC;  // PMC2-9
constexpr std::uint32_t kPowerPmcs = 0xE0;   // PMC5-7: the power manager's unless forced

struct EventDef {
  const char* name;
  const char* alias;  // may be null
  std::uint16_t number;
  std::uint32_t mask;  // allowed PMCs
};

// M1/M2 selectors and masks from darwin-facts §4.2.
constexpr EventDef kA15Events[] = {
    {"FIXED_CYCLES", "Cycles", 0, 0x1},
    {"FIXED_INSTRUCTIONS", "Instructions", 0, 0x2},
    {"INST_ALL", nullptr, 0x8c, 0x80},
    {"INST_BRANCH", nullptr, 0x8d, 0xE0},
    {"BRANCH_MISPRED_NONSPEC", nullptr, 0xcb, 0xE0},
    {"L1D_CACHE_MISS_LD", nullptr, 0xa3, kAnyConfig},
    {"L1D_CACHE_MISS_LD_NONSPEC", nullptr, 0xbf, 0xE0},
    {"INST_LDST", nullptr, 0x9b, 0x80},
    {"INST_INT_ST", nullptr, 0x96, 0x80},
    {"L1I_CACHE_MISS_DEMAND", nullptr, 0xdb, kAnyConfig},
    {"CORE_ACTIVE_CYCLE", nullptr, 0x02, kAnyConfig},
};

struct Failure {
  int result;
  int errno_value;
};

struct State {
  std::uint32_t cpus = 4;
  std::uint32_t counting = 0;
  int force_all = 0;
  std::map<std::string, Failure> failures;
  std::set<std::string> removed;
  std::map<std::pair<std::uint32_t, std::uint32_t>, std::uint64_t> counters;
  std::set<std::uint32_t> offline;
  std::string log;
  std::map<std::string, int> last_pmcs;
  std::uint64_t config_words[8] = {};
  std::size_t live = 0;
};

State& state() {
  static State s;
  return s;
}

void log_call(const std::string& line) {
  state().log += line + "\n";
}

// The scripted failure of `fn`, applied: true when the caller must return `*rc`.
bool scripted(const char* fn, int* rc) {
  const auto it = state().failures.find(fn);
  if (it == state().failures.end()) return false;
  errno = it->second.errno_value;
  *rc = it->second.result;
  return true;
}

std::string hex(std::uint64_t v) {
  char text[32];
  std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(v));
  return text;
}

std::uint32_t available_config_mask() {
  return state().force_all != 0 ? kAnyConfig : (kAnyConfig & ~kPowerPmcs);
}

std::uint32_t popcount(std::uint32_t v) {
  std::uint32_t n = 0;
  for (; v != 0; v &= v - 1) ++n;
  return n;
}

std::uint64_t counter_value(std::uint32_t cpu, std::uint32_t pmc) {
  const auto it = state().counters.find({cpu, pmc});
  return it != state().counters.end() ? it->second : (cpu + 1) * 1000ull + pmc + 1;
}

}  // namespace

struct kpep_event {
  const EventDef* def;
};

struct kpep_db {
  std::vector<kpep_event> events;
};

struct kpep_config {
  kpep_db* db = nullptr;
  bool forced = false;
  std::vector<const EventDef*> events;  // add order
  std::vector<int> pmcs;                // PMC of each event
};

namespace {

std::uint32_t config_classes(const kpep_config* cfg) {
  std::uint32_t classes = 0;
  for (const int pmc : cfg->pmcs) classes |= pmc < 2 ? kFixed : kConfigurable;
  return classes;
}

}  // namespace

extern "C" {

// ---- control API ----

void kpcdouble_reset(void) {
  state() = State{};
}
void kpcdouble_set_cpus(uint32_t cpus) {
  state().cpus = cpus;
}
void kpcdouble_fail(const char* function, int result, int errno_value) {
  state().failures[function] = {result, errno_value};
}
void kpcdouble_set_counting(uint32_t classes) {
  state().counting = classes;
}
void kpcdouble_set_force_all(int value) {
  state().force_all = value;
}
void kpcdouble_remove_event(const char* name) {
  state().removed.insert(name);
}
void kpcdouble_set_counter(uint32_t cpu, uint32_t pmc, uint64_t value) {
  state().counters[{cpu, pmc}] = value;
}
void kpcdouble_set_cpu_offline(uint32_t cpu) {
  state().offline.insert(cpu);
}
const char* kpcdouble_log(void) {
  return state().log.c_str();
}
int kpcdouble_pmc_of(const char* kpep_name) {
  const auto it = state().last_pmcs.find(kpep_name);
  return it != state().last_pmcs.end() ? it->second : -1;
}
uint32_t kpcdouble_counting(void) {
  return state().counting;
}
int kpcdouble_force_all(void) {
  return state().force_all;
}
uint64_t kpcdouble_config_word(uint32_t pmc) {
  return pmc >= 2 && pmc < kPmcs ? state().config_words[pmc - 2] : 0;
}
size_t kpcdouble_live_objects(void) {
  return state().live;
}

// ---- kperf.framework ----

int kpc_cpu_string(char* buf, size_t buf_size) {
  log_call("kpc_cpu_string size=" + std::to_string(buf_size));
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  return std::snprintf(buf, buf_size, "cpu_100000c_2_da33d83d");
}

int kpc_force_all_ctrs_get(int* val_out) {
  log_call("kpc_force_all_ctrs_get");
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  *val_out = state().force_all;
  return 0;
}

int kpc_force_all_ctrs_set(int val) {
  log_call("kpc_force_all_ctrs_set " + std::to_string(val));
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  state().force_all = val;
  return 0;
}

uint32_t kpc_get_counting(void) {
  log_call("kpc_get_counting");
  return state().counting;
}

int kpc_set_counting(uint32_t classes) {
  log_call("kpc_set_counting " + hex(classes));
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  state().counting = classes;
  return 0;
}

uint32_t kpc_get_counter_count(uint32_t classes) {
  log_call("kpc_get_counter_count " + hex(classes));
  return ((classes & kFixed) != 0 ? 2 : 0) +
         ((classes & kConfigurable) != 0 ? popcount(available_config_mask()) : 0);
}

uint32_t kpc_get_config_count(uint32_t classes) {
  log_call("kpc_get_config_count " + hex(classes));
  return (classes & kConfigurable) != 0 ? popcount(available_config_mask()) : 0;
}

#ifndef KPCDOUBLE_OMIT_KPC_SET_CONFIG
int kpc_set_config(uint32_t classes, kpc_config_t* config) {
  // Like the kernel: the write is kpc_get_config_count(classes) words, so its size depends on
  // whether force_all is held (darwin-facts §3.1 step 7).
  const std::uint32_t mask = available_config_mask();
  const std::uint32_t words = (classes & kConfigurable) != 0 ? popcount(mask) : 0;
  std::string line = "kpc_set_config " + hex(classes) + " words=" + std::to_string(words);
  for (std::uint32_t i = 0; i < words; ++i) line += " " + hex(config[i]);
  log_call(line);
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  std::uint32_t next = 0;
  for (int pmc = 2; pmc < kPmcs; ++pmc) {
    if ((mask & (1u << pmc)) != 0) state().config_words[pmc - 2] = config[next++];
  }
  return 0;
}
#endif

int kpc_get_cpu_counters(bool all_cpus, uint32_t classes, int* curcpu, uint64_t* buf) {
  log_call(std::string("kpc_get_cpu_counters all_cpus=") + (all_cpus ? "1" : "0") + " " +
           hex(classes));
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  // §3.4: CPU-major slices of kpc_get_counter_count(classes); fixed first, then the
  // configurable PMCs in ascending order, only those in the current mask.
  std::vector<std::uint32_t> pmcs;
  if ((classes & kFixed) != 0) pmcs = {0, 1};
  if ((classes & kConfigurable) != 0) {
    for (std::uint32_t pmc = 2; pmc < kPmcs; ++pmc) {
      if ((available_config_mask() & (1u << pmc)) != 0) pmcs.push_back(pmc);
    }
  }
  const std::uint32_t cpus = all_cpus ? state().cpus : 1;
  for (std::uint32_t cpu = 0; cpu < cpus; ++cpu) {
    if (state().offline.count(cpu) != 0) continue;
    for (std::size_t i = 0; i < pmcs.size(); ++i) {
      buf[cpu * pmcs.size() + i] = counter_value(cpu, pmcs[i]);
    }
  }
  if (curcpu != nullptr) *curcpu = 0;
  return 0;
}

// ---- kperfdata.framework ----

int kpep_db_create(const char* name, kpep_db** db_out) {
  log_call(std::string("kpep_db_create ") + (name != nullptr ? name : "NULL"));
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  auto* db = new kpep_db;
  for (const EventDef& e : kA15Events) {
    if (state().removed.count(e.name) == 0) db->events.push_back({&e});
  }
  ++state().live;
  *db_out = db;
  return 0;
}

void kpep_db_free(kpep_db* db) {
  log_call("kpep_db_free");
  --state().live;
  delete db;
}

int kpep_db_name(kpep_db* /*db*/, const char** name_out) {
  log_call("kpep_db_name");
  *name_out = "a15";
  return 0;
}

int kpep_db_event(kpep_db* db, const char* name, kpep_event** ev_out) {
  log_call(std::string("kpep_db_event ") + name);
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  for (const bool by_alias : {true, false}) {  // alias first, then name (darwin-facts §2.2)
    for (kpep_event& ev : db->events) {
      const char* key = by_alias ? ev.def->alias : ev.def->name;
      if (key != nullptr && std::strcmp(key, name) == 0) {
        *ev_out = &ev;
        return 0;
      }
    }
  }
  return 11;  // EVENT_NOT_FOUND
}

int kpep_event_name(kpep_event* ev, const char** name_out) {
  log_call("kpep_event_name");
  *name_out = ev->def->name;
  return 0;
}

int kpep_config_create(kpep_db* db, kpep_config** cfg_out) {
  log_call("kpep_config_create");
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  auto* cfg = new kpep_config;
  cfg->db = db;
  *cfg_out = cfg;
  ++state().live;
  state().last_pmcs.clear();
  return 0;
}

void kpep_config_free(kpep_config* cfg) {
  log_call("kpep_config_free");
  --state().live;
  delete cfg;
}

int kpep_config_force_counters(kpep_config* cfg) {
  log_call("kpep_config_force_counters");
  cfg->forced = true;
  return 0;
}

int kpep_config_add_event(kpep_config* cfg, kpep_event** ev_ptr, uint32_t flag, uint32_t* err) {
  const EventDef* def = (*ev_ptr)->def;
  log_call(std::string("kpep_config_add_event ") + def->name + " flag=" + std::to_string(flag));
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  const std::uint32_t usable = cfg->forced ? 0x3FF : (0x3FF & ~kPowerPmcs);
  std::uint32_t taken = 0;
  for (const int pmc : cfg->pmcs) taken |= 1u << pmc;
  for (int pmc = 0; pmc < kPmcs; ++pmc) {  // lowest free allowed PMC
    const std::uint32_t bit = 1u << pmc;
    if ((def->mask & usable & bit) != 0 && (taken & bit) == 0) {
      cfg->events.push_back(def);
      cfg->pmcs.push_back(pmc);
      state().last_pmcs[def->name] = pmc;
      return 0;
    }
  }
  if ((def->mask & usable) == 0) return 13;  // COUNTERS_NOT_FORCED
  if (err != nullptr) {
    *err = 0;
    for (std::size_t i = 0; i < cfg->pmcs.size(); ++i) {
      if ((def->mask & (1u << cfg->pmcs[i])) != 0) *err |= 1u << i;
    }
  }
  return 12;  // CONFLICTING_EVENTS
}

int kpep_config_events_count(kpep_config* cfg, size_t* count_out) {
  log_call("kpep_config_events_count");
  *count_out = cfg->events.size();
  return 0;
}

int kpep_config_kpc_classes(kpep_config* cfg, uint32_t* classes_out) {
  log_call("kpep_config_kpc_classes");
  *classes_out = config_classes(cfg);
  return 0;
}

int kpep_config_kpc_count(kpep_config* cfg, size_t* count_out) {
  log_call("kpep_config_kpc_count");
  *count_out = (config_classes(cfg) & kConfigurable) != 0 ? 8 : 0;  // one word per PMC2..9
  return 0;
}

#ifndef KPCDOUBLE_OMIT_KPEP_CONFIG_KPC_MAP
int kpep_config_kpc_map(kpep_config* cfg, size_t* buf, size_t buf_size_bytes) {
  log_call("kpep_config_kpc_map size=" + std::to_string(buf_size_bytes));
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  if (buf_size_bytes < cfg->events.size() * sizeof(size_t)) return 4;  // BUFFER_TOO_SMALL
  // Slice positions: absolute with FIXED in the classes, class-relative without (§3.5 [I]).
  const bool fixed = (config_classes(cfg) & kFixed) != 0;
  for (std::size_t i = 0; i < cfg->pmcs.size(); ++i) {
    buf[i] = static_cast<size_t>(fixed ? cfg->pmcs[i] : cfg->pmcs[i] - 2);
  }
  return 0;
}
#endif

int kpep_config_kpc(kpep_config* cfg, kpc_config_t* buf, size_t buf_size_bytes) {
  log_call("kpep_config_kpc size=" + std::to_string(buf_size_bytes));
  int rc = 0;
  if (scripted(__func__, &rc)) return rc;
  if (buf_size_bytes < 8 * sizeof(kpc_config_t)) return 4;  // BUFFER_TOO_SMALL
  for (int i = 0; i < 8; ++i) buf[i] = 0;
  for (std::size_t i = 0; i < cfg->pmcs.size(); ++i) {
    if (cfg->pmcs[i] >= 2) buf[cfg->pmcs[i] - 2] = cfg->events[i]->number;
  }
  return 0;
}

}  // extern "C"

// The exports have exactly the types the loader casts them to.
static_assert(std::is_same_v<decltype(&kpc_get_cpu_counters), kpc_get_cpu_counters_fn>);
static_assert(std::is_same_v<decltype(&kpc_force_all_ctrs_get), kpc_force_all_ctrs_get_fn>);
static_assert(std::is_same_v<decltype(&kpc_get_counting), kpc_get_counting_fn>);
static_assert(std::is_same_v<decltype(&kpc_get_counter_count), kpc_get_counter_count_fn>);
static_assert(std::is_same_v<decltype(&kpep_config_add_event), kpep_config_add_event_fn>);
static_assert(std::is_same_v<decltype(&kpep_config_kpc), kpep_config_kpc_fn>);
static_assert(std::is_same_v<decltype(&kpep_db_event), kpep_db_event_fn>);
static_assert(std::is_same_v<decltype(&kpep_db_free), kpep_db_free_fn>);
