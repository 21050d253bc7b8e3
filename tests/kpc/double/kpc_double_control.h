/* Control API of the KPC test double (tests only). The double is NOT Apple's kperf/kperfdata: it
 * exports the same kpc_* and kpep_* C symbols, models the behaviour darwin-facts.md describes
 * (an M2-like "a15" chip: 2 fixed + 8 configurable counters, PMC5-7 only while forced), records
 * every call, and returns whatever a test scripts here. */
#ifndef SYSRING_TESTS_KPC_DOUBLE_CONTROL_H
#define SYSRING_TESTS_KPC_DOUBLE_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Back to a root process on an idle machine: 4 CPUs, nothing counting, force_all 0, the full
 * event database, no scripted failures, an empty call log. */
void kpcdouble_reset(void);

/* CPUs the double's kpc_get_cpu_counters writes slices for. */
void kpcdouble_set_cpus(uint32_t cpus);

/* Every later call of `function` returns `result` with errno = `errno_value` (kpep_* functions
 * return their kpep error code; errno matters for code 15). */
void kpcdouble_fail(const char* function, int result, int errno_value);

/* State found at start: counting classes (a crashed broker's leftovers) and force_all. */
void kpcdouble_set_counting(uint32_t classes);
void kpcdouble_set_force_all(int value);

/* The database has no event with this name or alias. */
void kpcdouble_remove_event(const char* name);

/* The running total of PMC `pmc` (0..9) on `cpu`. Unscripted: (cpu + 1) * 1000 + pmc + 1. */
void kpcdouble_set_counter(uint32_t cpu, uint32_t pmc, uint64_t value);
/* The CPU does not answer the cross-call: its slice is left unwritten. */
void kpcdouble_set_cpu_offline(uint32_t cpu);

/* Every call so far, one line each ("kpc_set_counting 0x3"). Valid until the next call. */
const char* kpcdouble_log(void);

/* The PMC the last kpep config placed `kpep_name` on; -1 if none. */
int kpcdouble_pmc_of(const char* kpep_name);

/* Current kernel-side state. */
uint32_t kpcdouble_counting(void);
int kpcdouble_force_all(void);
/* The 8 configurable config words as last written by kpc_set_config (PMC2..9). */
uint64_t kpcdouble_config_word(uint32_t pmc);
/* kpep databases and configs created and not yet freed. */
size_t kpcdouble_live_objects(void);

#ifdef __cplusplus
}
#endif

#endif
