/* Reads an installed broker's segment through sysring.h alone (built with pkg-config): one
 * scalar (mem.total) and one family across the live CPUs, printed one value a line as
 *   mem.total 8123456789
 *   cpu.time.idle{cpu="0"} 123456
 * Usage: c_consumer SEGMENT. Exit status: 0 when every value read, 1 otherwise. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysring/sysring.h>

static int print_mem_total(const sysring_client* client) {
  sysring_metric_id id = SYSRING_NO_METRIC;
  sysring_scalar total;
  if (sysring_find(client, "mem.total", &id) != SYSRING_OK ||
      sysring_read(client, id, &total) != SYSRING_OK) {
    fprintf(stderr, "c_consumer: mem.total: no value\n");
    return 0;
  }
  printf("mem.total %llu\n", (unsigned long long)total.bits);
  return 1;
}

/* Prints {key="value",...} of the live CPU named `name` in `list`. */
static void print_cpu_labels(const sysring_instance_list* list, const char* name) {
  size_t count = sysring_instance_count(list);
  for (size_t i = 0; i < count; ++i) {
    sysring_instance_info info;
    if (sysring_instance_at(list, i, &info) != SYSRING_OK || !info.live ||
        info.domain != SYSRING_DOMAIN_CPU || strcmp(info.name, name) != 0) {
      continue;
    }
    putchar('{');
    for (size_t l = 0; l < info.label_count; ++l) {
      const char* key = NULL;
      const char* value = NULL;
      if (sysring_instance_label(list, i, l, &key, &value) != SYSRING_OK) continue;
      printf("%s%s=\"%s\"", l == 0 ? "" : ",", key, value);
    }
    putchar('}');
    return;
  }
}

static int print_cpu_idle(const sysring_client* client) {
  sysring_metric_id family = SYSRING_NO_METRIC;
  sysring_instance_list* list = NULL;
  if (sysring_find(client, "cpu.time.idle", &family) != SYSRING_OK ||
      sysring_instances(client, &list) != SYSRING_OK) {
    fprintf(stderr, "c_consumer: cpu.time.idle: no family or no instance directory\n");
    return 0;
  }
  /* Live CPUs are some of the listed instances, so the list's size is room enough. */
  size_t cap = sysring_instance_count(list);
  sysring_instance_value* values = calloc(cap > 0 ? cap : 1, sizeof *values);
  size_t live = 0;
  sysring_status status = values == NULL
                              ? SYSRING_E_SYSTEM
                              : sysring_read_family(client, list, family, values, cap, &live);
  int all_read = status == SYSRING_OK && live > 0 && live <= cap;
  if (!all_read) {
    fprintf(stderr, "c_consumer: cpu.time.idle: status %d, %zu live CPUs\n", (int)status, live);
  }
  for (size_t i = 0; all_read && i < live; ++i) {
    if (values[i].status != SYSRING_OK) {
      fprintf(stderr, "c_consumer: cpu.time.idle of %s: status %d\n", values[i].instance,
              (int)values[i].status);
      all_read = 0;
      break;
    }
    printf("cpu.time.idle");
    print_cpu_labels(list, values[i].instance);
    printf(" %llu\n", (unsigned long long)values[i].value.bits);
  }
  free(values);
  sysring_instance_list_free(list);
  return all_read;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: c_consumer SEGMENT\n");
    return 2;
  }
  char err[256] = "";
  sysring_client* client = NULL;
  if (sysring_open(argv[1], &client, err, sizeof err) != SYSRING_OK) {
    fprintf(stderr, "c_consumer: %s\n", err);
    return 1;
  }
  int mem_ok = print_mem_total(client);
  int cpu_ok = print_cpu_idle(client);
  sysring_close(client);
  return mem_ok && cpu_ok ? 0 : 1;
}
