// The symbol table that load_kpc walks: one row per KpcSymbols member, so the loader resolves
// every symbol up front and the members and names cannot drift apart (one macro writes both).
#include "counters/kpc/kpc_symbols.hpp"

#include <array>
#include <type_traits>

namespace sysring::broker::counters::kpc {
namespace {

template <auto Member>
void assign(KpcSymbols& symbols, void* address) {
  using Fn = std::remove_reference_t<decltype(symbols.*Member)>;
  // POSIX guarantees a data pointer from dlsym converts to a function pointer.
  symbols.*Member = reinterpret_cast<Fn>(address);
}

template <auto Member>
bool is_set(const KpcSymbols& symbols) {
  return symbols.*Member != nullptr;
}

#define SYSRING_KPC_ENTRY(framework, symbol)                                       \
  KpcSymbolEntry {                                                                 \
    framework, #symbol, &assign<&KpcSymbols::symbol>, &is_set<&KpcSymbols::symbol> \
  }

constexpr KpcFramework kKperf = KpcFramework::kKperf;
constexpr KpcFramework kKperfdata = KpcFramework::kKperfdata;

constexpr std::array kTable = {
    SYSRING_KPC_ENTRY(kKperf, kpc_cpu_string),
    SYSRING_KPC_ENTRY(kKperf, kpc_force_all_ctrs_get),
    SYSRING_KPC_ENTRY(kKperf, kpc_force_all_ctrs_set),
    SYSRING_KPC_ENTRY(kKperf, kpc_get_counting),
    SYSRING_KPC_ENTRY(kKperf, kpc_set_counting),
    SYSRING_KPC_ENTRY(kKperf, kpc_get_counter_count),
    SYSRING_KPC_ENTRY(kKperf, kpc_get_config_count),
    SYSRING_KPC_ENTRY(kKperf, kpc_set_config),
    SYSRING_KPC_ENTRY(kKperf, kpc_get_cpu_counters),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_db_create),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_db_free),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_db_name),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_db_event),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_event_name),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_config_create),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_config_free),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_config_force_counters),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_config_add_event),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_config_events_count),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_config_kpc_classes),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_config_kpc_count),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_config_kpc_map),
    SYSRING_KPC_ENTRY(kKperfdata, kpep_config_kpc),
};

#undef SYSRING_KPC_ENTRY

// A new KpcSymbols member without a table row would stay null: keep the sizes locked together.
static_assert(sizeof(KpcSymbols) == kTable.size() * sizeof(void (*)()));

}  // namespace

std::string_view framework_name(KpcFramework framework) noexcept {
  return framework == KpcFramework::kKperf ? "kperf.framework" : "kperfdata.framework";
}

std::span<const KpcSymbolEntry> kpc_symbol_table() noexcept {
  return kTable;
}

}  // namespace sysring::broker::counters::kpc
