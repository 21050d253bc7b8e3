/* Proves sysring.h is valid C (this file is compiled as C11, -Wpedantic -Werror) and that the
 * shared library's C ABI links and runs from C.
 *
 *   c_header_test                 open-error paths only (no broker needed)
 *   c_header_test NAME            also reads the live segment NAME: needs mem.total > 0 and
 *                                 kern.ostype readable; c_api_test runs it like this.
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

  /* A tiny buffer is still NUL-terminated */
  memset(err, 'x', sizeof err);
  CHECK(sysring_open("/c-header-test-absent", &client, err, 4) == SYSRING_E_NOT_FOUND);
  CHECK(err[3] == '\0' && err[4] == 'x');
  /* NULL message buffer is allowed */
  CHECK(sysring_open("/c-header-test-absent", &client, NULL, 0) == SYSRING_E_NOT_FOUND);

  /* NULL handles are tolerated */
  CHECK(sysring_metric_count(NULL) == 0);
  CHECK(sysring_find(NULL, "mem.total") == -1);
  CHECK(sysring_health(NULL) == SYSRING_GONE);
  sysring_close(NULL);
  sysring_follower_free(NULL);
  return failures;
}

static int read_live(const char* name) {
  char err[256] = "";
  sysring_client* client = NULL;
  const int rc = sysring_open(name, &client, err, sizeof err);
  if (rc != SYSRING_OK) {
    fprintf(stderr, "c_header_test: open %s: %d %s\n", name, rc, err);
    return 1;
  }
  CHECK(sysring_metric_count(client) > 0);
  const int total = sysring_find(client, "mem.total");
  CHECK(total > 0);
  sysring_scalar value;
  memset(&value, 0, sizeof value);
  CHECK(sysring_read(client, (uint16_t)total, &value) == SYSRING_READ_OK);
  CHECK(value.type == SYSRING_TYPE_U64);
  CHECK(value.bits > 0);
  CHECK(sysring_scalar_as_double(&value) > 0.0);

  const int ostype = sysring_find(client, "kern.ostype");
  CHECK(ostype > 0);
  char text[128];
  size_t length = 0;
  uint64_t when = 0;
  CHECK(sysring_read_text(client, (uint16_t)ostype, text, sizeof text, &length, &when) ==
        SYSRING_READ_OK);
  CHECK(length > 0 && length == strlen(text));

  sysring_metric_info info;
  CHECK(sysring_metric_info_at(client, 0, &info) == SYSRING_OK);
  CHECK(info.name != NULL && info.name[0] != '\0');
  CHECK(sysring_metric_info_at(client, sysring_metric_count(client), &info) == SYSRING_E_ARGUMENT);

  CHECK(sysring_health(client) == SYSRING_ALIVE);
  sysring_follower* follower = sysring_follower_new(client);
  CHECK(follower != NULL);
  sysring_batch batch;
  CHECK(sysring_follower_poll(follower, &batch) == 1);
  CHECK(batch.full_snapshot == 1);
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
