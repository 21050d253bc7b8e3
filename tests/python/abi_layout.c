/* Prints the size and every field offset of the structs in sysring.h as JSON, for
 * python/tests/test_abi.py to compare with its ctypes mirror (python/sysring/_abi.py). One FIELD
 * line per member of sysring.h: a member renamed or removed there stops this from compiling. */
#include <stddef.h>
#include <stdio.h>

#include "sysring/sysring.h"

/* "member": [offset, size] */
#define FIELD(type, member, last)                                                             \
  printf("\"%s\": [%zu, %zu]%s", #member, offsetof(type, member), sizeof(((type*)0)->member), \
         last ? "" : ", ")
#define STRUCT(type, last)                                                             \
  printf("\"%s\": {\"size\": %zu, \"align\": %zu, \"fields\": {", #type, sizeof(type), \
         _Alignof(type))
#define END(last) printf("}}%s\n", last ? "" : ",")

int main(void) {
  printf("{\n");
  printf("\"sysring_status\": {\"size\": %zu, \"align\": %zu, \"fields\": {}},\n",
         sizeof(sysring_status), _Alignof(sysring_status));
  printf("\"sysring_health_state\": {\"size\": %zu, \"align\": %zu, \"fields\": {}},\n",
         sizeof(sysring_health_state), _Alignof(sysring_health_state));
  printf("\"sysring_metric_id\": {\"size\": %zu, \"align\": %zu, \"fields\": {}},\n",
         sizeof(sysring_metric_id), _Alignof(sysring_metric_id));
  STRUCT(sysring_scalar, 0);
  FIELD(sysring_scalar, bits, 0);
  FIELD(sysring_scalar, read_time_ns, 0);
  FIELD(sysring_scalar, type, 1);
  END(0);
  STRUCT(sysring_counter, 0);
  FIELD(sysring_counter, count, 0);
  FIELD(sysring_counter, time_enabled_ns, 0);
  FIELD(sysring_counter, time_running_ns, 0);
  FIELD(sysring_counter, read_time_ns, 1);
  END(0);
  STRUCT(sysring_metric_info, 0);
  FIELD(sysring_metric_info, id, 0);
  FIELD(sysring_metric_info, type, 0);
  FIELD(sysring_metric_info, kernel_pattern, 0);
  FIELD(sysring_metric_info, recommended_pattern, 0);
  FIELD(sysring_metric_info, available, 0);
  FIELD(sysring_metric_info, domain, 0);
  FIELD(sysring_metric_info, ttl_ms, 0);
  FIELD(sysring_metric_info, name, 0);
  FIELD(sysring_metric_info, category, 0);
  FIELD(sysring_metric_info, unit, 0);
  FIELD(sysring_metric_info, description, 1);
  END(0);
  STRUCT(sysring_instance_info, 0);
  FIELD(sysring_instance_info, domain, 0);
  FIELD(sysring_instance_info, live, 0);
  FIELD(sysring_instance_info, instance_id, 0);
  FIELD(sysring_instance_info, row, 0);
  FIELD(sysring_instance_info, registration, 0);
  FIELD(sysring_instance_info, added_ns, 0);
  FIELD(sysring_instance_info, removed_ns, 0);
  FIELD(sysring_instance_info, name, 0);
  FIELD(sysring_instance_info, label_count, 1);
  END(0);
  STRUCT(sysring_handle, 0);
  FIELD(sysring_handle, registration, 0);
  FIELD(sysring_handle, epoch, 0);
  FIELD(sysring_handle, column, 0);
  FIELD(sysring_handle, cell, 0);
  FIELD(sysring_handle, registration_word, 0);
  FIELD(sysring_handle, row, 0);
  FIELD(sysring_handle, family, 0);
  FIELD(sysring_handle, domain, 0);
  FIELD(sysring_handle, type, 1);
  END(0);
  STRUCT(sysring_instance_value, 0);
  FIELD(sysring_instance_value, instance, 0);
  FIELD(sysring_instance_value, row, 0);
  FIELD(sysring_instance_value, status, 0);
  FIELD(sysring_instance_value, value, 0);
  FIELD(sysring_instance_value, counter, 1);
  END(0);
  STRUCT(sysring_delta, 0);
  FIELD(sysring_delta, id, 0);
  FIELD(sysring_delta, row, 0);
  FIELD(sysring_delta, bits, 1);
  END(0);
  STRUCT(sysring_instance_event, 0);
  FIELD(sysring_instance_event, added, 0);
  FIELD(sysring_instance_event, domain, 0);
  FIELD(sysring_instance_event, row, 0);
  FIELD(sysring_instance_event, instance_id, 0);
  FIELD(sysring_instance_event, registration, 0);
  FIELD(sysring_instance_event, name, 1);
  END(0);
  STRUCT(sysring_batch, 0);
  FIELD(sysring_batch, position, 0);
  FIELD(sysring_batch, tick, 0);
  FIELD(sysring_batch, timestamp_ns, 0);
  FIELD(sysring_batch, lost_batches, 0);
  FIELD(sysring_batch, full_snapshot, 0);
  FIELD(sysring_batch, events, 0);
  FIELD(sysring_batch, event_count, 0);
  FIELD(sysring_batch, deltas, 0);
  FIELD(sysring_batch, delta_count, 0);
  FIELD(sysring_batch, string_ids, 0);
  FIELD(sysring_batch, string_count, 1);
  END(0);
  STRUCT(sysring_process_counter_value, 0);
  FIELD(sysring_process_counter_value, name, 0);
  FIELD(sysring_process_counter_value, value, 0);
  FIELD(sysring_process_counter_value, time_enabled_ns, 0);
  FIELD(sysring_process_counter_value, time_running_ns, 1);
  END(1);
  printf("}\n");
  return 0;
}
