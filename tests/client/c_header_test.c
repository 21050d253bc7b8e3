/* Proves sysring.h is valid C (this file is compiled as C11, -Wpedantic -Werror) and that the
 * shared library's C ABI links and runs from C.
 *
 *   c_header_test                 open-error paths only (no broker needed)
 *   c_header_test NAME            also reads the live segment NAME: needs mem.total > 0,
 *                                 kern.ostype readable and disk instance "vda" with
 *                                 disk.read_bytes 4096; c_api_test runs it like this.
 * Exit 0 on success; otherwise prints one line naming the failed check and exits 1. */
#include <stdio.h>
#include <string.h>

#include "sysring/sysring.h"

static int failures = 0;

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "c_header_test: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      ++failures;                                                               \
    }                                                                           \
  } while (0)

static int open_errors(void) {
  char err[256];
  sysring_client* client = (sysring_client*)0x1;

  /* NULL out pointer: argument error, nothing written */
  CHECK(sysring_open("/whatever", NULL, err, sizeof err) == SYSRING_E_ARGUMENT);

  err[0] = '\0';
  CHECK(sysring_open("no-slash", &client, err, sizeof err) == SYSRING_E_INVALID_NAME);
  CHECK(client == NULL);
  CHECK(strlen(err) > 0 && strchr(err, '\n') == NULL);

  err[0] = '\0';
  CHECK(sysring_open("/c-header-test-absent", &client, err, sizeof err) == SYSRING_E_NOT_FOUND);
  CHECK(client == NULL);
  CHECK(strlen(err) > 0 && strchr(err, '\n') == NULL);
  /* The same line stays available to calls that take no message buffer */
  CHECK(strcmp(sysring_last_error(), err) == 0);

  /* A tiny buffer is still NUL-terminated */
  memset(err, 'x', sizeof err);
  CHECK(sysring_open("/c-header-test-absent", &client, err, 4) == SYSRING_E_NOT_FOUND);
  CHECK(err[3] == '\0' && err[4] == 'x');
  /* NULL message buffer is allowed */
  CHECK(sysring_open("/c-header-test-absent", &client, NULL, 0) == SYSRING_E_NOT_FOUND);

  /* Per-process counters: the same conventions */
  {
    const char* events[] = {"task-clock"};
    sysring_process_counters* counters = (sysring_process_counters*)0x1;
    sysring_process_counter_value values[1];
    size_t count = 0;
    err[0] = '\0';
    CHECK(sysring_process_counters_open_self("/c-header-test-absent", events, 1, &counters, err,
                                             sizeof err) == SYSRING_E_NOT_FOUND);
    CHECK(counters == NULL);
    CHECK(strlen(err) > 0 && strchr(err, '\n') == NULL);
    CHECK(sysring_process_counters_open_self(NULL, events, 1, NULL, NULL, 0) == SYSRING_E_ARGUMENT);
    CHECK(sysring_process_counters_open_pid(NULL, -1, events, 1, &counters, NULL, 0) ==
          SYSRING_E_ARGUMENT);
    CHECK(sysring_process_counters_start(NULL) == SYSRING_E_ARGUMENT);
    CHECK(sysring_process_counters_stop(NULL) == SYSRING_E_ARGUMENT);
    CHECK(sysring_process_counters_read(NULL, values, 1, &count) == SYSRING_E_ARGUMENT);
    sysring_process_counters_close(NULL);
  }

  /* NULL handles are tolerated */
  sysring_metric_id id = 77;
  sysring_health_state health = SYSRING_ALIVE;
  CHECK(sysring_metric_count(NULL) == 0);
  CHECK(sysring_find(NULL, "mem.total", &id) == SYSRING_E_ARGUMENT);
  CHECK(sysring_health(NULL, &health) == SYSRING_E_ARGUMENT);
  CHECK(sysring_instance_count(NULL) == 0);
  sysring_close(NULL);
  sysring_follower_free(NULL);
  sysring_instance_list_free(NULL);
  return failures;
}

static int read_live(const char* name) {
  char err[256] = "";
  sysring_client* client = NULL;
  const sysring_status rc = sysring_open(name, &client, err, sizeof err);
  if (rc != SYSRING_OK) {
    fprintf(stderr, "c_header_test: open %s: %d %s\n", name, (int)rc, err);
    return 1;
  }
  CHECK(sysring_metric_count(client) > 0);
  sysring_metric_id total = SYSRING_NO_METRIC;
  CHECK(sysring_find(client, "mem.total", &total) == SYSRING_OK);
  CHECK(total != SYSRING_NO_METRIC);
  sysring_metric_id missing = 1;
  CHECK(sysring_find(client, "no.such.metric", &missing) == SYSRING_NO_SUCH_METRIC);
  CHECK(missing == SYSRING_NO_METRIC);
  sysring_scalar value;
  memset(&value, 0, sizeof value);
  CHECK(sysring_read(client, total, &value) == SYSRING_OK);
  CHECK(value.type == SYSRING_TYPE_U64);
  CHECK(value.bits > 0);
  CHECK(sysring_scalar_as_double(&value) > 0.0);

  sysring_metric_id ostype = SYSRING_NO_METRIC;
  CHECK(sysring_find(client, "kern.ostype", &ostype) == SYSRING_OK);
  char text[128];
  size_t length = 0;
  uint64_t when = 0;
  CHECK(sysring_read_text(client, ostype, text, sizeof text, &length, &when) == SYSRING_OK);
  CHECK(length > 0 && length == strlen(text));

  /* One instance family: disk.read_bytes of the instance the test broker calls "vda". */
  sysring_metric_id disk = SYSRING_NO_METRIC;
  CHECK(sysring_find(client, "disk.read_bytes", &disk) == SYSRING_OK);
  CHECK(sysring_read(client, disk, &value) == SYSRING_NO_SUCH_METRIC);
  sysring_instance_list* list = NULL;
  CHECK(sysring_instances(client, &list) == SYSRING_OK);
  int found_vda = 0;
  for (size_t i = 0; i < sysring_instance_count(list); ++i) {
    sysring_instance_info inst;
    CHECK(sysring_instance_at(list, i, &inst) == SYSRING_OK);
    if (strcmp(inst.name, "vda") == 0 && inst.domain == SYSRING_DOMAIN_DISK && inst.live) {
      const char* key = NULL;
      const char* label = NULL;
      CHECK(inst.label_count == 1);
      CHECK(sysring_instance_label(list, i, 0, &key, &label) == SYSRING_OK);
      CHECK(strcmp(key, "device") == 0 && strcmp(label, "vda") == 0);
      found_vda = 1;
    }
  }
  CHECK(found_vda);
  sysring_handle handle;
  CHECK(sysring_bind(client, disk, "vda", &handle) == SYSRING_OK);
  CHECK(sysring_read_handle(client, &handle, &value) == SYSRING_OK);
  CHECK(value.bits == 4096);
  CHECK(sysring_bind(client, disk, "no-such-disk", &handle) == SYSRING_NO_SUCH_METRIC);
  sysring_instance_value values[8];
  size_t count = 0;
  CHECK(sysring_read_family(client, list, disk, values, 8, &count) == SYSRING_OK);
  CHECK(count == 1 && strcmp(values[0].instance, "vda") == 0 && values[0].value.bits == 4096);
  sysring_instance_list_free(list);

  sysring_metric_info info;
  CHECK(sysring_metric_info_at(client, 0, &info) == SYSRING_OK);
  CHECK(info.name != NULL && info.name[0] != '\0');
  CHECK(sysring_metric_info_at(client, sysring_metric_count(client), &info) == SYSRING_E_ARGUMENT);

  sysring_health_state health = SYSRING_DEAD;
  CHECK(sysring_health(client, &health) == SYSRING_OK && health == SYSRING_ALIVE);
  sysring_follower* follower = sysring_follower_new(client);
  CHECK(follower != NULL);
  sysring_batch batch;
  CHECK(sysring_follower_poll(follower, &batch) == SYSRING_OK);
  CHECK(batch.full_snapshot == 1);
  CHECK(batch.event_count == 1 && strcmp(batch.events[0].name, "vda") == 0);
  CHECK(sysring_follower_poll(follower, &batch) == SYSRING_IDLE);
  sysring_follower_free(follower);
  sysring_close(client);
  return failures;
}

int main(int argc, char** argv) {
  open_errors();
  if (argc > 1) read_live(argv[1]);
  if (failures == 0) printf("c_header_test: ok\n");
  return failures == 0 ? 0 : 1;
}
