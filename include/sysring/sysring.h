/* libsysring C ABI: the same read-only client as sysring/client.hpp, for C and FFI callers.
 *
 * One return convention: every function that can fail returns a sysring_status. SYSRING_OK (0)
 * means it did what it says; a positive status is an outcome that left no value (empty,
 * unavailable, gone, idle ...); a negative one is an error, with a one-line message where a
 * message buffer is taken. Outputs go through pointer arguments. No function throws, and none
 * blocks except sysring_open/sysring_reattach (a few system calls). */
#ifndef SYSRING_SYSRING_H
#define SYSRING_SYSRING_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sysring_client sysring_client;
typedef struct sysring_follower sysring_follower;
typedef struct sysring_instance_list sysring_instance_list;
typedef struct sysring_process_counters sysring_process_counters;

typedef enum sysring_status {
  SYSRING_OK = 0,
  /* Outcomes without a value (> 0). */
  SYSRING_EMPTY = 1,          /* the broker has not read it yet */
  SYSRING_UNAVAILABLE = 2,    /* cannot be read on this machine (or for this instance) */
  SYSRING_READ_ERROR = 3,     /* the broker's last read failed */
  SYSRING_NO_SUCH_METRIC = 4, /* no such metric or instance here */
  SYSRING_BUSY = 5,           /* the broker kept publishing during every attempt: retry */
  SYSRING_GONE = 6,           /* the instance was removed (handles), or the broker is gone */
  SYSRING_IDLE = 7,           /* follower: nothing new; reattach: nothing newer to attach to */
  SYSRING_CORRUPT = 8,        /* follower: a ring slot failed verification and was skipped */
  /* Errors (< 0). */
  SYSRING_E_INVALID_NAME = -1,
  SYSRING_E_NOT_FOUND = -2,
  SYSRING_E_PERMISSION = -3,
  SYSRING_E_FOREIGN_OWNER = -4,
  SYSRING_E_INSECURE_MODE = -5,
  SYSRING_E_BAD_SEGMENT = -6,
  SYSRING_E_VERSION = -7,
  SYSRING_E_NOT_LIVE = -8,
  SYSRING_E_SYSTEM = -9,
  SYSRING_E_ARGUMENT = -10,
  /* Per-process counters. */
  SYSRING_E_UNREACHABLE = -11, /* no broker serves requests: no socket, or no answer in 2 s */
  SYSRING_E_REFUSED = -12,     /* the broker refused; sysring_last_error() has its reason */
  SYSRING_E_PROTOCOL = -13     /* a malformed or mismatched reply */
} sysring_status;

/* A metric id; 0 names no metric. */
typedef uint16_t sysring_metric_id;
#define SYSRING_NO_METRIC ((sysring_metric_id)0)

typedef enum sysring_type {
  SYSRING_TYPE_U64 = 1,
  SYSRING_TYPE_I64 = 2,
  SYSRING_TYPE_F64 = 3,
  SYSRING_TYPE_STRING = 4,
  SYSRING_TYPE_COUNTER = 5 /* read with sysring_read_counter; sysring_read gives its count */
} sysring_type;

typedef enum sysring_domain {
  SYSRING_DOMAIN_NONE = 0, /* a scalar: one value */
  SYSRING_DOMAIN_CPU = 1,
  SYSRING_DOMAIN_DISK = 2,
  SYSRING_DOMAIN_NETIF = 3,
  SYSRING_DOMAIN_FILESYSTEM = 4,
  SYSRING_DOMAIN_NUMA = 5,
  SYSRING_DOMAIN_CGROUP = 6
} sysring_domain;

typedef enum sysring_health_state {
  SYSRING_ALIVE = 0,
  SYSRING_STALE = 1, /* the broker process exists but its heartbeat stopped */
  SYSRING_DEAD = 2   /* closed, exited, or the name belongs to another segment now */
} sysring_health_state;

typedef struct sysring_scalar {
  uint64_t bits;         /* raw pattern: use the member that matches type */
  uint64_t read_time_ns; /* CLOCK_MONOTONIC */
  uint8_t type;          /* sysring_type */
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
  sysring_metric_id id;
  uint8_t type;           /* sysring_type */
  uint8_t kernel_pattern; /* 0 STATIC, 1 POLLED, 2 CONSTRAINED, 3 DYNAMIC, 4 DISABLED */
  uint8_t recommended_pattern;
  uint8_t available;
  uint8_t domain; /* sysring_domain: SYSRING_DOMAIN_NONE for a scalar */
  uint32_t ttl_ms;
  const char* name; /* valid while the client is open */
  const char* category;
  const char* unit;
  const char* description;
} sysring_metric_info;

/* One instance of a domain, from a sysring_instance_list (strings valid while the list lives). */
typedef struct sysring_instance_info {
  uint8_t domain;       /* sysring_domain */
  uint8_t live;         /* 0: removed, its row quarantined */
  uint32_t instance_id; /* stable for the name while the broker lives */
  uint32_t row;
  uint64_t registration;
  uint64_t added_ns, removed_ns; /* CLOCK_MONOTONIC; removed_ns 0 while live */
  const char* name;              /* "cpu3", "vda", "eth0", "/home" ... */
  size_t label_count;
} sysring_instance_info;

/* (family, instance) resolved once; plain data, copy it freely. Reads through it report
 * SYSRING_GONE once the instance was removed, even if its row was reused since. */
typedef struct sysring_handle {
  uint64_t registration;
  uint64_t epoch;
  uint32_t column, cell, registration_word, row;
  sysring_metric_id family;
  uint8_t domain, type;
} sysring_handle;

/* One family's value for one instance (sysring_read_family). */
typedef struct sysring_instance_value {
  const char* instance; /* the instance's name, valid while the list passed in lives */
  uint32_t row;
  sysring_status status;
  sysring_scalar value;    /* numeric families; a counter's count */
  sysring_counter counter; /* counter families */
} sysring_instance_value;

typedef struct sysring_delta {
  sysring_metric_id id;
  uint32_t row; /* 0 for a scalar; else the instance's row (see sysring_instance_event) */
  uint64_t bits;
} sysring_delta;

typedef struct sysring_instance_event {
  uint8_t added; /* 1 added, 0 removed */
  uint8_t domain;
  uint32_t row;
  uint32_t instance_id;
  uint64_t registration;
  const char* name; /* valid until the next poll */
} sysring_instance_event;

typedef struct sysring_batch {
  uint64_t position;
  uint64_t tick;
  uint64_t timestamp_ns;
  uint64_t lost_batches;
  uint8_t full_snapshot;
  const sysring_instance_event* events; /* instances that came or went: before their deltas */
  size_t event_count;
  const sysring_delta* deltas; /* valid until the next poll; a counter's bits are its count */
  size_t delta_count;
  const sysring_metric_id* string_ids; /* string metrics that changed: sysring_read_text */
  size_t string_count;
} sysring_batch;

/* ---- Segment ---- */

/* Opens and validates the segment `name` (NULL: "/sysring"). err (may be NULL) receives a
 * one-line message. Returns SYSRING_OK and *out, or an error (< 0) and *out = NULL. */
sysring_status sysring_open(const char* name, sysring_client** out, char* err, size_t err_size);
void sysring_close(sysring_client* client);
/* The one-line message of the last error (< 0) a libsysring call returned on this thread with a
 * reason (every error but SYSRING_E_ARGUMENT has one; sysring_open also writes it to err), or ""
 * if there was none. Valid until this thread's next such error; success does not clear it. */
const char* sysring_last_error(void);

/* Returns SYSRING_OK, or SYSRING_E_ARGUMENT for a NULL argument; *out: sysring_health_state. */
sysring_status sysring_health(const sysring_client* client, sysring_health_state* out);
/* Returns SYSRING_OK if re-attached to a restarted broker, SYSRING_IDLE if nothing newer, or an
 * error (< 0). Handles and followers notice the new segment by themselves. */
sysring_status sysring_reattach(sysring_client* client);
/* The broker's counter backend in one line, or why it counts nothing ("" if it has none). */
const char* sysring_counters_summary(const sysring_client* client);

/* ---- Metrics (families) ---- */

/* Returns SYSRING_OK and *id, or SYSRING_NO_SUCH_METRIC (*id = SYSRING_NO_METRIC). */
sysring_status sysring_find(const sysring_client* client, const char* name, sysring_metric_id* id);
/* Number of metrics; 0 for NULL. */
size_t sysring_metric_count(const sysring_client* client);
/* Returns SYSRING_OK, or SYSRING_E_ARGUMENT for a NULL argument or an index past the count. */
sysring_status sysring_metric_info_at(const sysring_client* client, size_t index,
                                      sysring_metric_info* out);
/* The schedule the broker actually follows for metric `index` (after its --config overrides):
 * pattern as in sysring_metric_info, TTL in ms (0 for STATIC and DISABLED).
 * Returns SYSRING_OK or SYSRING_E_ARGUMENT. */
sysring_status sysring_metric_schedule_at(const sysring_client* client, size_t index,
                                          uint8_t* pattern, uint32_t* ttl_ms);

/* ---- Scalar reads ---- */

/* Returns SYSRING_OK and *out, or an outcome without a value (> 0): SYSRING_EMPTY,
 * SYSRING_UNAVAILABLE, SYSRING_READ_ERROR, SYSRING_NO_SUCH_METRIC (also for a family with a
 * domain: read it per instance), SYSRING_BUSY; SYSRING_E_ARGUMENT for NULL. */
sysring_status sysring_read(const sysring_client* client, sysring_metric_id id,
                            sysring_scalar* out);
double sysring_scalar_as_double(const sysring_scalar* value);
/* Copies at most cap-1 bytes and a NUL; *length gets the full length. Returns as sysring_read. */
sysring_status sysring_read_text(const sysring_client* client, sysring_metric_id id, char* buf,
                                 size_t cap, size_t* length, uint64_t* read_time_ns);
/* One consistent copy of a SYSRING_TYPE_COUNTER metric. Returns as sysring_read. */
sysring_status sysring_read_counter(const sysring_client* client, sysring_metric_id id,
                                    sysring_counter* out);

/* ---- Instances ---- */

/* The instance directory as it is now (all domains, live and recently removed).
 * Returns SYSRING_OK and *out (free it with sysring_instance_list_free), SYSRING_E_BAD_SEGMENT
 * for a directory that fails validation, SYSRING_BUSY, or SYSRING_E_ARGUMENT. */
sysring_status sysring_instances(const sysring_client* client, sysring_instance_list** out);
void sysring_instance_list_free(sysring_instance_list* list);
/* The directory's generation now: it changes when an instance comes or goes (one load). */
uint64_t sysring_instance_generation(const sysring_client* client);
size_t sysring_instance_count(const sysring_instance_list* list);
/* Returns SYSRING_OK or SYSRING_E_ARGUMENT (NULL, or index past the count). */
sysring_status sysring_instance_at(const sysring_instance_list* list, size_t index,
                                   sysring_instance_info* out);
/* Label `label` of instance `index`: key and value valid while the list lives.
 * Returns SYSRING_OK or SYSRING_E_ARGUMENT. */
sysring_status sysring_instance_label(const sysring_instance_list* list, size_t index, size_t label,
                                      const char** key, const char** value);

/* Resolves (family, live instance named `instance`). Returns SYSRING_OK and *out,
 * SYSRING_NO_SUCH_METRIC (unknown family, a scalar, or no such live instance), or an error. */
sysring_status sysring_bind(const sysring_client* client, sysring_metric_id family,
                            const char* instance, sysring_handle* out);
/* Returns SYSRING_OK and *out, SYSRING_GONE once the instance was removed, or as sysring_read. */
sysring_status sysring_read_handle(const sysring_client* client, const sysring_handle* handle,
                                   sysring_scalar* out);
sysring_status sysring_read_handle_counter(const sysring_client* client,
                                           const sysring_handle* handle, sysring_counter* out);
/* One family across the live instances of `list`, from one broker publish: fills up to `cap`
 * entries of `out` (instance names point into `list`), *count = the number of live instances.
 * Returns SYSRING_OK, SYSRING_NO_SUCH_METRIC (unknown family or a scalar), SYSRING_BUSY, or
 * SYSRING_E_ARGUMENT. An instance removed since the list was taken reads SYSRING_GONE. */
sysring_status sysring_read_family(const sysring_client* client, const sysring_instance_list* list,
                                   sysring_metric_id family, sysring_instance_value* out,
                                   size_t cap, size_t* count);

/* ---- Following the ring ---- */

/* Returns NULL for a NULL client or when out of memory. */
sysring_follower* sysring_follower_new(const sysring_client* client);
void sysring_follower_free(sysring_follower* follower);
/* Returns SYSRING_OK with *out (valid until the next poll), SYSRING_IDLE (nothing new),
 * SYSRING_BUSY (the broker is writing the next slot), SYSRING_CORRUPT (a slot was skipped and
 * counted), or an error (< 0). */
sysring_status sysring_follower_poll(sysring_follower* follower, sysring_batch* out);

/* ---- Per-process counters (docs/PROCESS_COUNTERS.md; Linux) ----
 * The broker opens perf events for a process of the caller's and hands over their descriptors;
 * the caller starts, stops and reads them itself, without privileges of its own. */

/* One counter as read: perf's estimate of the full count is
 * value * time_enabled_ns / time_running_ns (time_running_ns 0: it never counted). */
typedef struct sysring_process_counter_value {
  const char* name; /* the event as asked, valid while the counters are open */
  uint64_t value;   /* raw count */
  uint64_t time_enabled_ns;
  uint64_t time_running_ns;
} sysring_process_counter_value;

/* Asks the broker of segment `segment` (NULL: "/sysring") for `event_count` (1 to 16) perf
 * events named in `events` ("task-clock", "cycles", ...), counting the calling process (and the
 * threads and children it creates from now on). They start stopped. err (may be NULL) receives
 * a one-line message. Returns SYSRING_OK and *out, or an error (< 0) and *out = NULL:
 * SYSRING_E_UNREACHABLE, SYSRING_E_REFUSED (the broker's reason in err), SYSRING_E_PROTOCOL,
 * SYSRING_E_FOREIGN_OWNER (the socket's server is not the segment's broker), the segment's own
 * open errors, or SYSRING_E_ARGUMENT. Blocks at most 2 s. */
sysring_status sysring_process_counters_open_self(const char* segment, const char* const* events,
                                                  size_t event_count,
                                                  sysring_process_counters** out, char* err,
                                                  size_t err_size);
/* As above for process `pid` (the caller's own: same uids and gids, dumpable). */
sysring_status sysring_process_counters_open_pid(const char* segment, int32_t pid,
                                                 const char* const* events, size_t event_count,
                                                 sysring_process_counters** out, char* err,
                                                 size_t err_size);
void sysring_process_counters_close(sysring_process_counters* counters);
/* Start / stop every counter. Returns SYSRING_OK, SYSRING_E_SYSTEM or SYSRING_E_ARGUMENT. */
sysring_status sysring_process_counters_start(sysring_process_counters* counters);
sysring_status sysring_process_counters_stop(sysring_process_counters* counters);
/* Reads every counter into up to `cap` entries of `out`, in the order asked; *count = the
 * number of counters. Returns SYSRING_OK, SYSRING_E_SYSTEM or SYSRING_E_ARGUMENT. */
sysring_status sysring_process_counters_read(const sysring_process_counters* counters,
                                             sysring_process_counter_value* out, size_t cap,
                                             size_t* count);

#ifdef __cplusplus
}
#endif

#endif /* SYSRING_SYSRING_H */
