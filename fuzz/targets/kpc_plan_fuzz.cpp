// The KPC event plan (broker/counters/kpc/kpc_plan.cpp, kpc_event_names.cpp): what Apple's kpep
// database answers is decoded into config words and a counter map. Here a fake kpep, driven by
// the input through FuzzedDataProvider, answers every call (return codes, names, counts, maps),
// after the event list the user asked for has been resolved from the input's first strings.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "counters/kpc/kpc_errors.hpp"
#include "counters/kpc/kpc_event_names.hpp"
#include "counters/kpc/kpc_plan.hpp"
#include "counters/kpc/kpc_symbols.hpp"

namespace kpc = sysring::broker::counters::kpc;

namespace {

// The answers of the fake kpep for one input. Handles are addresses in `handles`, never read.
FuzzedDataProvider* answers = nullptr;
std::deque<std::string> names;  // keeps returned C strings alive (a deque never moves them)
char handles[3];

int code() {
  return answers->ConsumeBool() ? 0 : answers->ConsumeIntegralInRange<int>(-1, 16);
}
const char* name() {
  if (answers->ConsumeIntegralInRange<int>(0, 7) == 0) return nullptr;
  names.push_back(answers->ConsumeRandomLengthString(40));
  return names.back().c_str();
}

int db_create(const char*, kpep_db** out) {
  *out = answers->ConsumeIntegralInRange<int>(0, 15) == 0 ? nullptr
                                                          : reinterpret_cast<kpep_db*>(&handles[0]);
  return answers->ConsumeIntegralInRange<int>(0, 15) == 0 ? 1 : 0;
}
void db_free(kpep_db*) {}
int db_name(kpep_db*, const char** out) {
  *out = name();
  return code();
}
int db_event(kpep_db*, const char*, kpep_event** out) {
  *out = reinterpret_cast<kpep_event*>(&handles[1]);
  return answers->ConsumeIntegralInRange<int>(0, 3) == 0 ? code() : 0;
}
int event_name(kpep_event*, const char** out) {
  *out = name();
  return code();
}
int config_create(kpep_db*, kpep_config** out) {
  *out = reinterpret_cast<kpep_config*>(&handles[2]);
  return answers->ConsumeIntegralInRange<int>(0, 15) == 0 ? code() : 0;
}
void config_free(kpep_config*) {}
int config_force(kpep_config*) {
  return answers->ConsumeIntegralInRange<int>(0, 15) == 0;
}
int config_add(kpep_config*, kpep_event**, std::uint32_t, std::uint32_t* conflicts) {
  if (conflicts != nullptr) *conflicts = answers->ConsumeIntegral<std::uint32_t>();
  return answers->ConsumeIntegralInRange<int>(0, 3) == 0 ? code() : 0;
}
int size_answer(std::size_t* out) {
  *out = answers->ConsumeIntegralInRange<std::size_t>(0, 40);
  return answers->ConsumeIntegralInRange<int>(0, 15) == 0 ? code() : 0;
}
int events_count(kpep_config*, std::size_t* out) {
  return size_answer(out);
}
int kpc_count(kpep_config*, std::size_t* out) {
  return size_answer(out);
}
int kpc_classes(kpep_config*, std::uint32_t* out) {
  *out = answers->ConsumeIntegral<std::uint32_t>();
  return answers->ConsumeIntegralInRange<int>(0, 15) == 0 ? code() : 0;
}
int kpc_map(kpep_config*, std::size_t* buf, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes / sizeof *buf; ++i)
    buf[i] = answers->ConsumeIntegral<std::size_t>();
  return answers->ConsumeIntegralInRange<int>(0, 15) == 0 ? code() : 0;
}
int kpc_words(kpep_config*, kpc_config_t* buf, std::size_t bytes) {
  for (std::size_t i = 0; i < bytes / sizeof *buf; ++i)
    buf[i] = answers->ConsumeIntegral<std::uint64_t>();
  return answers->ConsumeIntegralInRange<int>(0, 15) == 0 ? code() : 0;
}

kpc::KpcSymbols fake_kpep() {
  kpc::KpcSymbols s;
  s.kpep_db_create = db_create;
  s.kpep_db_free = db_free;
  s.kpep_db_name = db_name;
  s.kpep_db_event = db_event;
  s.kpep_event_name = event_name;
  s.kpep_config_create = config_create;
  s.kpep_config_free = config_free;
  s.kpep_config_force_counters = config_force;
  s.kpep_config_add_event = config_add;
  s.kpep_config_events_count = events_count;
  s.kpep_config_kpc_classes = kpc_classes;
  s.kpep_config_kpc_count = kpc_count;
  s.kpep_config_kpc_map = kpc_map;
  s.kpep_config_kpc = kpc_words;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider provider(data, size);
  answers = &provider;
  names.clear();

  std::vector<std::string> requested;
  const std::size_t count = provider.ConsumeIntegralInRange<std::size_t>(0, 10);
  for (std::size_t i = 0; i < count; ++i)
    requested.push_back(provider.ConsumeRandomLengthString(32));
  try {
    const std::vector<kpc::KpcEventRequest> requests = kpc::resolve_kpc_events(requested);
    static const kpc::KpcSymbols symbols = fake_kpep();
    const kpc::KpcPlan plan = kpc::plan_kpc_events(symbols, requests);
    if (plan.config_words.size() > kpc::kMaxCounters) __builtin_trap();
  } catch (const kpc::KpcError&) {
    // Refused with one line: the expected outcome for a bad list or a failing kpep.
  }
  answers = nullptr;
  return 0;
}
