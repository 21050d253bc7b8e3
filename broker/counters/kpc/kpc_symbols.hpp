// The kperf.framework / kperfdata.framework C ABI, written by hand: Apple ships no headers, so
// every function is resolved with dlsym into these pointer types (darwin-facts §1.1).
// Signatures and constants follow darwin-facts §1.2, §1.3 and §2.2; kpep objects stay opaque
// because Apple changed their layout across macOS versions (§2.3).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

extern "C" {
struct kpep_db;
struct kpep_event;
struct kpep_config;

using kpc_config_t = std::uint64_t;

// kperf.framework (KPC). int results: 0 on success, non-zero with errno set (§1.3).
using kpc_cpu_string_fn = int (*)(char* buf, std::size_t buf_size);
using kpc_force_all_ctrs_get_fn = int (*)(int* val_out);
using kpc_force_all_ctrs_set_fn = int (*)(int val);
using kpc_get_counting_fn = std::uint32_t (*)();
using kpc_set_counting_fn = int (*)(std::uint32_t classes);
using kpc_get_counter_count_fn = std::uint32_t (*)(std::uint32_t classes);
using kpc_get_config_count_fn = std::uint32_t (*)(std::uint32_t classes);
using kpc_set_config_fn = int (*)(std::uint32_t classes, kpc_config_t* config);
using kpc_get_cpu_counters_fn = int (*)(bool all_cpus, std::uint32_t classes, int* curcpu,
                                        std::uint64_t* buf);

// kperfdata.framework (KPEP). int results are kpep error codes, 0 = success (§2.4).
using kpep_db_create_fn = int (*)(const char* name, kpep_db** db_out);
using kpep_db_free_fn = void (*)(kpep_db* db);
using kpep_db_name_fn = int (*)(kpep_db* db, const char** name_out);
using kpep_db_event_fn = int (*)(kpep_db* db, const char* name, kpep_event** ev_out);
using kpep_event_name_fn = int (*)(kpep_event* ev, const char** name_out);
using kpep_config_create_fn = int (*)(kpep_db* db, kpep_config** cfg_out);
using kpep_config_free_fn = void (*)(kpep_config* cfg);
using kpep_config_force_counters_fn = int (*)(kpep_config* cfg);
using kpep_config_add_event_fn = int (*)(kpep_config* cfg, kpep_event** ev_ptr, std::uint32_t flag,
                                         std::uint32_t* err);
using kpep_config_events_count_fn = int (*)(kpep_config* cfg, std::size_t* count_out);
using kpep_config_kpc_classes_fn = int (*)(kpep_config* cfg, std::uint32_t* classes_out);
using kpep_config_kpc_count_fn = int (*)(kpep_config* cfg, std::size_t* count_out);
using kpep_config_kpc_map_fn = int (*)(kpep_config* cfg, std::size_t* buf,
                                       std::size_t buf_size_bytes);
using kpep_config_kpc_fn = int (*)(kpep_config* cfg, kpc_config_t* buf, std::size_t buf_size_bytes);
}

namespace sysring::broker::counters::kpc {

// KPC class masks (§1.2).
inline constexpr std::uint32_t kClassFixedMask = 1u << 0;
inline constexpr std::uint32_t kClassConfigurableMask = 1u << 1;
// The user-side per-CPU buffer convention; the arm64 kernel itself has 2 + 8 (+1) (§1.2).
inline constexpr std::size_t kMaxCounters = 32;

// Every symbol the system-wide per-CPU sequence (§3) calls; load_kpc fills all or none.
struct KpcSymbols {
  kpc_cpu_string_fn kpc_cpu_string = nullptr;
  kpc_force_all_ctrs_get_fn kpc_force_all_ctrs_get = nullptr;
  kpc_force_all_ctrs_set_fn kpc_force_all_ctrs_set = nullptr;
  kpc_get_counting_fn kpc_get_counting = nullptr;
  kpc_set_counting_fn kpc_set_counting = nullptr;
  kpc_get_counter_count_fn kpc_get_counter_count = nullptr;
  kpc_get_config_count_fn kpc_get_config_count = nullptr;
  kpc_set_config_fn kpc_set_config = nullptr;
  kpc_get_cpu_counters_fn kpc_get_cpu_counters = nullptr;

  kpep_db_create_fn kpep_db_create = nullptr;
  kpep_db_free_fn kpep_db_free = nullptr;
  kpep_db_name_fn kpep_db_name = nullptr;
  kpep_db_event_fn kpep_db_event = nullptr;
  kpep_event_name_fn kpep_event_name = nullptr;
  kpep_config_create_fn kpep_config_create = nullptr;
  kpep_config_free_fn kpep_config_free = nullptr;
  kpep_config_force_counters_fn kpep_config_force_counters = nullptr;
  kpep_config_add_event_fn kpep_config_add_event = nullptr;
  kpep_config_events_count_fn kpep_config_events_count = nullptr;
  kpep_config_kpc_classes_fn kpep_config_kpc_classes = nullptr;
  kpep_config_kpc_count_fn kpep_config_kpc_count = nullptr;
  kpep_config_kpc_map_fn kpep_config_kpc_map = nullptr;
  kpep_config_kpc_fn kpep_config_kpc = nullptr;
};

enum class KpcFramework { kKperf, kKperfdata };

// "kperf.framework" / "kperfdata.framework": how errors name a library, whatever its path.
[[nodiscard]] std::string_view framework_name(KpcFramework framework) noexcept;

// One row of the resolution table: which library exports `name`, and where it goes.
struct KpcSymbolEntry {
  KpcFramework framework;
  const char* name;
  void (*assign)(KpcSymbols& symbols, void* address);
  bool (*is_set)(const KpcSymbols& symbols);
};

// Every member of KpcSymbols exactly once, kperf.framework first.
[[nodiscard]] std::span<const KpcSymbolEntry> kpc_symbol_table() noexcept;

}  // namespace sysring::broker::counters::kpc
