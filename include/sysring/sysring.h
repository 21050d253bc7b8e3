/* libsysring C ABI: the same read-only client as sysring/client.hpp, for C and FFI callers.
 * Every function is noexcept; errors are return codes, with a one-line message where useful. */
#ifndef SYSRING_SYSRING_H
#define SYSRING_SYSRING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sysring_client sysring_client;
typedef struct sysring_follower sysring_follower;

/* Open errors (negative) */
enum {
  SYSRING_OK = 0,
  SYSRING_E_INVALID_NAME = -1,
  SYSRING_E_NOT_FOUND = -2,
  SYSRING_E_PERMISSION = -3,
  SYSRING_E_FOREIGN_OWNER = -4,
  SYSRING_E_INSECURE_MODE = -5,
  SYSRING_E_BAD_SEGMENT = -6,
  SYSRING_E_VERSION = -7,
  SYSRING_E_NOT_LIVE = -8,
  SYSRING_E_SYSTEM = -9,
  SYSRING_E_ARGUMENT = -10
};

/* Read results: same values as sysring::ReadStatus */
enum {
  SYSRING_READ_EMPTY = 0,
  SYSRING_READ_OK = 1,
  SYSRING_READ_UNAVAILABLE = 2,
  SYSRING_READ_ERROR = 3,
  SYSRING_READ_NO_SUCH_METRIC = 4,
  SYSRING_READ_BUSY = 5
};

enum {
  SYSRING_TYPE_U64 = 1,
  SYSRING_TYPE_I64 = 2,
  SYSRING_TYPE_F64 = 3,
  SYSRING_TYPE_STRING = 4,
  SYSRING_TYPE_COUNTER = 5 /* read with sysring_read_counter; sysring_read gives its count */
};
enum { SYSRING_ALIVE = 0, SYSRING_STALE = 1, SYSRING_GONE = 2 };

typedef struct sysring_scalar {
  uint64_t bits;         /* raw pattern: use the member that matches type */
  uint64_t read_time_ns; /* CLOCK_MONOTONIC */
  uint8_t type;          /* SYSRING_TYPE_* */
} sysring_scalar;

/* A performance counter: running total, and how long it was enabled and actually counting
 * (they differ when the kernel multiplexes); perf's estimate is count * enabled / running. */
typedef struct sysring_counter {
  uint64_t count;
  uint64_t time_enabled_ns;
  uint64_t time_running_ns;
  uint64_t read_time_ns; /* CLOCK_MONOTONIC */
} sysring_counter;

typedef struct sysring_metric_info {
  uint16_t id;
  uint8_t type;
  uint8_t kernel_pattern; /* 0 STATIC, 1 POLLED, 2 CONSTRAINED, 3 DYNAMIC, 4 DISABLED */
  uint8_t recommended_pattern;
  uint8_t available;
  uint32_t ttl_ms;
  const char* name; /* valid while the client is open */
  const char* category;
  const char* unit;
  const char* description;
} sysring_metric_info;

typedef struct sysring_delta {
  uint16_t id;
  uint64_t bits;
} sysring_delta;

typedef struct sysring_batch {
  uint64_t position;
  uint64_t tick;
  uint64_t timestamp_ns;
  uint64_t lost_batches;
  uint8_t full_snapshot;
  const sysring_delta* deltas; /* valid until the next poll; a counter's bits are its count */
  size_t delta_count;
  const uint16_t* string_ids; /* string metrics that changed: read them with sysring_read_text */
  size_t string_count;
} sysring_batch;

/* name may be NULL for "/sysring". err (may be NULL) receives a one-line message. */
int sysring_open(const char* name, sysring_client** out, char* err, size_t err_size);
void sysring_close(sysring_client* client);

/* Metric id for a name, or -1. */
int sysring_find(const sysring_client* client, const char* name);
size_t sysring_metric_count(const sysring_client* client);
int sysring_metric_info_at(const sysring_client* client, size_t index, sysring_metric_info* out);
/* The schedule the broker actually follows for metric `index` (after its --config overrides):
 * pattern as in sysring_metric_info, TTL in ms (0 for STATIC and DISABLED). */
int sysring_metric_schedule_at(const sysring_client* client, size_t index, uint8_t* pattern,
                               uint32_t* ttl_ms);

int sysring_read(const sysring_client* client, uint16_t id, sysring_scalar* out);
double sysring_scalar_as_double(const sysring_scalar* value);
/* Copies at most cap-1 bytes and a NUL; *length gets the full length. */
int sysring_read_text(const sysring_client* client, uint16_t id, char* buf, size_t cap,
                      size_t* length, uint64_t* read_time_ns);

/* One consistent copy of a SYSRING_TYPE_COUNTER metric. */
int sysring_read_counter(const sysring_client* client, uint16_t id, sysring_counter* out);
/* The broker's counter backend in one line, or why it counts nothing ("" if it has none). */
const char* sysring_counters_summary(const sysring_client* client);

int sysring_health(const sysring_client* client);
/* 1 if re-attached to a restarted broker, 0 if nothing newer, negative error. */
int sysring_reattach(sysring_client* client);

sysring_follower* sysring_follower_new(const sysring_client* client);
void sysring_follower_free(sysring_follower* follower);
/* 1 batch, 0 idle, 2 busy, 3 corrupt slot skipped. */
int sysring_follower_poll(sysring_follower* follower, sysring_batch* out);

#ifdef __cplusplus
}
#endif

#endif /* SYSRING_SYSRING_H */
