// The C ABI over the C++ client. No exception crosses it; every status comes from one mapping.
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "sysring/client.hpp"
#include "sysring/process_counters.hpp"
#include "sysring/ring_follower.hpp"
#include "sysring/sysring.h"

struct sysring_client {
  sysring::Client client;
};

struct sysring_instance_list {
  std::shared_ptr<const sysring::InstanceDirectory> directory;
};

struct sysring_process_counters {
  sysring::ProcessCounters counters;
  std::vector<std::string> names;  // what sysring_process_counter_value::name points into
};

struct sysring_follower {
  sysring::RingFollower follower;
  sysring::Batch batch;
  std::vector<sysring_delta> deltas;
  std::vector<sysring_metric_id> string_ids;
  std::vector<sysring_instance_event> events;
};

namespace {

static_assert(SYSRING_TYPE_COUNTER == static_cast<int>(sysring::ValueType::Counter) &&
                  SYSRING_TYPE_STRING == static_cast<int>(sysring::ValueType::String),
              "the C type codes are the C++ ValueType values");
static_assert(SYSRING_DOMAIN_CGROUP == static_cast<int>(sysring::InstanceDomain::Cgroup),
              "the C domain codes are the C++ InstanceDomain values");

sysring_status status_of(sysring::ReadStatus status) {
  switch (status) {
    case sysring::ReadStatus::kOk:
      return SYSRING_OK;
    case sysring::ReadStatus::kEmpty:
      return SYSRING_EMPTY;
    case sysring::ReadStatus::kUnavailable:
      return SYSRING_UNAVAILABLE;
    case sysring::ReadStatus::kReadError:
      return SYSRING_READ_ERROR;
    case sysring::ReadStatus::kNoSuchMetric:
      return SYSRING_NO_SUCH_METRIC;
    case sysring::ReadStatus::kBusy:
      return SYSRING_BUSY;
    case sysring::ReadStatus::kGone:
      return SYSRING_GONE;
  }
  return SYSRING_E_SYSTEM;
}

sysring_status status_of(sysring::ErrorCode code) {
  switch (code) {
    case sysring::ErrorCode::kInvalidName:
      return SYSRING_E_INVALID_NAME;
    case sysring::ErrorCode::kNotFound:
      return SYSRING_E_NOT_FOUND;
    case sysring::ErrorCode::kPermission:
      return SYSRING_E_PERMISSION;
    case sysring::ErrorCode::kForeignOwner:
      return SYSRING_E_FOREIGN_OWNER;
    case sysring::ErrorCode::kInsecureMode:
      return SYSRING_E_INSECURE_MODE;
    case sysring::ErrorCode::kBadSegment:
      return SYSRING_E_BAD_SEGMENT;
    case sysring::ErrorCode::kVersion:
      return SYSRING_E_VERSION;
    case sysring::ErrorCode::kNotLive:
      return SYSRING_E_NOT_LIVE;
    case sysring::ErrorCode::kUnreachable:
      return SYSRING_E_UNREACHABLE;
    case sysring::ErrorCode::kRefused:
      return SYSRING_E_REFUSED;
    case sysring::ErrorCode::kProtocol:
      return SYSRING_E_PROTOCOL;
    default:
      return SYSRING_E_SYSTEM;
  }
}

// The last error's line on this thread (sysring_last_error). A fixed buffer: assigning it cannot
// throw, and the pointer handed out stays valid until this thread's next error.
thread_local char t_last_error[512] = "";

// Runs `body`, turning any exception into a status: the one place errors cross the ABI.
template <class Body>
sysring_status guarded(Body&& body, char* err = nullptr, size_t err_size = 0) noexcept {
  const auto put_message = [&](const char* message) {
    std::strncpy(t_last_error, message, sizeof t_last_error - 1);
    t_last_error[sizeof t_last_error - 1] = '\0';
    if (err == nullptr || err_size == 0) return;
    std::strncpy(err, message, err_size - 1);
    err[err_size - 1] = '\0';
  };
  try {
    return body();
  } catch (const sysring::Error& e) {
    put_message(e.what());
    return status_of(e.code());
  } catch (const std::exception& e) {
    put_message(e.what());
    return SYSRING_E_SYSTEM;
  }
}

sysring_scalar to_c(const sysring::Scalar& s) {
  return {s.bits, s.read_time_ns, static_cast<uint8_t>(s.type)};
}
sysring_counter to_c(const sysring::CounterTotals& c) {
  return {c.count, c.time_enabled_ns, c.time_running_ns, c.read_time_ns};
}

sysring::InstanceHandle from_c(const sysring_handle& h) {
  sysring::InstanceHandle out;
  out.family = static_cast<sysring::MetricId>(h.family);
  out.domain = static_cast<sysring::InstanceDomain>(h.domain);
  out.row = h.row;
  out.registration = h.registration;
  out.epoch = h.epoch;
  out.column = h.column;
  out.cell = h.cell;
  out.registration_word = h.registration_word;
  out.type = static_cast<sysring::ValueType>(h.type);
  return out;
}

}  // namespace

extern "C" {

sysring_status sysring_open(const char* name, sysring_client** out, char* err, size_t err_size) {
  if (out == nullptr) return SYSRING_E_ARGUMENT;
  *out = nullptr;
  return guarded(
      [&] {
        sysring::OpenOptions options;
        if (name != nullptr) options.name = name;
        *out = new sysring_client{sysring::Client::open(options)};
        return SYSRING_OK;
      },
      err, err_size);
}

const char* sysring_last_error(void) {
  return t_last_error;
}

void sysring_close(sysring_client* client) {
  delete client;
}

sysring_status sysring_health(const sysring_client* client, sysring_health_state* out) {
  if (client == nullptr || out == nullptr) return SYSRING_E_ARGUMENT;
  *out = static_cast<sysring_health_state>(client->client.health());
  return SYSRING_OK;
}

sysring_status sysring_reattach(sysring_client* client) {
  if (client == nullptr) return SYSRING_E_ARGUMENT;
  return guarded([&] { return client->client.reattach() ? SYSRING_OK : SYSRING_IDLE; });
}

const char* sysring_counters_summary(const sysring_client* client) {
  return client == nullptr ? "" : client->client.counters_summary().c_str();
}

sysring_status sysring_find(const sysring_client* client, const char* name, sysring_metric_id* id) {
  if (client == nullptr || name == nullptr || id == nullptr) return SYSRING_E_ARGUMENT;
  const auto found = client->client.find(name);
  *id = found ? static_cast<sysring_metric_id>(*found) : SYSRING_NO_METRIC;
  return found ? SYSRING_OK : SYSRING_NO_SUCH_METRIC;
}

size_t sysring_metric_count(const sysring_client* client) {
  return client ? client->client.descriptors().size() : 0;
}

sysring_status sysring_metric_info_at(const sysring_client* client, size_t index,
                                      sysring_metric_info* out) {
  if (client == nullptr || out == nullptr) return SYSRING_E_ARGUMENT;
  const auto& all = client->client.descriptors();
  if (index >= all.size()) return SYSRING_E_ARGUMENT;
  const sysring::Descriptor& d = all[index];
  out->id = static_cast<sysring_metric_id>(d.id);
  out->type = static_cast<uint8_t>(d.type);
  out->kernel_pattern = static_cast<uint8_t>(d.kernel_pattern);
  out->recommended_pattern = static_cast<uint8_t>(d.recommended_pattern);
  out->available = d.available ? 1 : 0;
  out->domain = static_cast<uint8_t>(d.domain);
  out->ttl_ms = d.ttl_ms;
  out->name = d.name.c_str();
  out->category = d.category.c_str();
  out->unit = d.unit.c_str();
  out->description = d.description.c_str();
  return SYSRING_OK;
}

sysring_status sysring_metric_schedule_at(const sysring_client* client, size_t index,
                                          uint8_t* pattern, uint32_t* ttl_ms) {
  if (client == nullptr || pattern == nullptr || ttl_ms == nullptr) return SYSRING_E_ARGUMENT;
  const auto& all = client->client.descriptors();
  if (index >= all.size()) return SYSRING_E_ARGUMENT;
  *pattern = static_cast<uint8_t>(all[index].effective_pattern);
  *ttl_ms = all[index].effective_ttl_ms;
  return SYSRING_OK;
}

sysring_status sysring_read(const sysring_client* client, sysring_metric_id id,
                            sysring_scalar* out) {
  if (client == nullptr || out == nullptr) return SYSRING_E_ARGUMENT;
  sysring::Scalar value;
  const auto status = client->client.read(static_cast<sysring::MetricId>(id), value);
  *out = to_c(value);
  return status_of(status);
}

double sysring_scalar_as_double(const sysring_scalar* value) {
  if (value == nullptr) return 0.0;
  sysring::Scalar s;
  s.bits = value->bits;
  s.type = static_cast<sysring::ValueType>(value->type);
  return s.as_number();
}

sysring_status sysring_read_text(const sysring_client* client, sysring_metric_id id, char* buf,
                                 size_t cap, size_t* length, uint64_t* read_time_ns) {
  if (client == nullptr) return SYSRING_E_ARGUMENT;
  sysring::Text text;
  const auto status = client->client.read_text(static_cast<sysring::MetricId>(id), text);
  if (status == sysring::ReadStatus::kOk) {
    if (buf != nullptr && cap > 0) {
      const size_t n = std::min<size_t>(text.length, cap - 1);
      std::memcpy(buf, text.bytes, n);
      buf[n] = '\0';
    }
    if (length != nullptr) *length = text.length;
    if (read_time_ns != nullptr) *read_time_ns = text.read_time_ns;
  }
  return status_of(status);
}

sysring_status sysring_read_counter(const sysring_client* client, sysring_metric_id id,
                                    sysring_counter* out) {
  if (client == nullptr || out == nullptr) return SYSRING_E_ARGUMENT;
  sysring::CounterTotals totals;
  const auto status = client->client.read_counter(static_cast<sysring::MetricId>(id), totals);
  *out = to_c(totals);
  return status_of(status);
}

// ---- Instances ----

sysring_status sysring_instances(const sysring_client* client, sysring_instance_list** out) {
  if (client == nullptr || out == nullptr) return SYSRING_E_ARGUMENT;
  *out = nullptr;
  return guarded([&] {
    *out = new sysring_instance_list{client->client.instances()};
    return SYSRING_OK;
  });
}

void sysring_instance_list_free(sysring_instance_list* list) {
  delete list;
}

uint64_t sysring_instance_generation(const sysring_client* client) {
  return client == nullptr ? 0 : client->client.directory_generation();
}

size_t sysring_instance_count(const sysring_instance_list* list) {
  return list == nullptr ? 0 : list->directory->instances.size();
}

sysring_status sysring_instance_at(const sysring_instance_list* list, size_t index,
                                   sysring_instance_info* out) {
  if (list == nullptr || out == nullptr || index >= list->directory->instances.size()) {
    return SYSRING_E_ARGUMENT;
  }
  const sysring::Instance& i = list->directory->instances[index];
  out->domain = static_cast<uint8_t>(i.domain);
  out->live = i.live ? 1 : 0;
  out->instance_id = i.instance_id;
  out->row = i.row;
  out->registration = i.registration;
  out->added_ns = i.added_ns;
  out->removed_ns = i.removed_ns;
  out->name = i.name.c_str();
  out->label_count = i.labels.size();
  return SYSRING_OK;
}

sysring_status sysring_instance_label(const sysring_instance_list* list, size_t index, size_t label,
                                      const char** key, const char** value) {
  if (list == nullptr || key == nullptr || value == nullptr ||
      index >= list->directory->instances.size() ||
      label >= list->directory->instances[index].labels.size()) {
    return SYSRING_E_ARGUMENT;
  }
  const sysring::InstanceLabel& l = list->directory->instances[index].labels[label];
  *key = l.key.c_str();
  *value = l.value.c_str();
  return SYSRING_OK;
}

sysring_status sysring_bind(const sysring_client* client, sysring_metric_id family,
                            const char* instance, sysring_handle* out) {
  if (client == nullptr || instance == nullptr || out == nullptr) return SYSRING_E_ARGUMENT;
  return guarded([&] {
    const auto h = client->client.bind(static_cast<sysring::MetricId>(family), instance);
    if (!h) return SYSRING_NO_SUCH_METRIC;
    *out = sysring_handle{h->registration,
                          h->epoch,
                          h->column,
                          h->cell,
                          h->registration_word,
                          h->row,
                          static_cast<sysring_metric_id>(h->family),
                          static_cast<uint8_t>(h->domain),
                          static_cast<uint8_t>(h->type)};
    return SYSRING_OK;
  });
}

sysring_status sysring_read_handle(const sysring_client* client, const sysring_handle* handle,
                                   sysring_scalar* out) {
  if (client == nullptr || handle == nullptr || out == nullptr) return SYSRING_E_ARGUMENT;
  sysring::Scalar value;
  const auto status = client->client.read(from_c(*handle), value);
  *out = to_c(value);
  return status_of(status);
}

sysring_status sysring_read_handle_counter(const sysring_client* client,
                                           const sysring_handle* handle, sysring_counter* out) {
  if (client == nullptr || handle == nullptr || out == nullptr) return SYSRING_E_ARGUMENT;
  sysring::CounterTotals totals;
  const auto status = client->client.read_counter(from_c(*handle), totals);
  *out = to_c(totals);
  return status_of(status);
}

sysring_status sysring_read_family(const sysring_client* client, const sysring_instance_list* list,
                                   sysring_metric_id family, sysring_instance_value* out,
                                   size_t cap, size_t* count) {
  if (client == nullptr || list == nullptr || count == nullptr || (out == nullptr && cap > 0)) {
    return SYSRING_E_ARGUMENT;
  }
  return guarded([&] {
    const sysring::Descriptor* d =
        client->client.descriptor(static_cast<sysring::MetricId>(family));
    if (d == nullptr || d->domain == sysring::InstanceDomain::None) return SYSRING_NO_SUCH_METRIC;
    sysring::FamilyValues values;
    values.directory = list->directory;  // names point into the caller's list
    client->client.read_family(d->id, values);
    // read_family refreshes the directory when the broker's moved on; keep the caller's names.
    *count = values.values.size();
    bool busy = false;
    for (size_t i = 0; i < values.values.size() && i < cap; ++i) {
      const sysring::InstanceValue& v = values.values[i];
      const sysring::Instance* named = nullptr;
      for (const sysring::Instance& inst : list->directory->instances) {
        if (inst.live && inst.domain == v.instance->domain && inst.row == v.instance->row &&
            inst.registration == v.instance->registration) {
          named = &inst;
        }
      }
      out[i].instance = named != nullptr ? named->name.c_str() : nullptr;
      out[i].row = v.instance->row;
      out[i].status = named != nullptr ? status_of(v.status) : SYSRING_GONE;
      out[i].value = to_c(v.value);
      out[i].counter = to_c(v.counter);
      busy |= v.status == sysring::ReadStatus::kBusy;
    }
    return busy ? SYSRING_BUSY : SYSRING_OK;
  });
}

// ---- Follower ----

sysring_follower* sysring_follower_new(const sysring_client* client) {
  if (client == nullptr) return nullptr;
  try {
    return new sysring_follower{sysring::RingFollower(client->client), {}, {}, {}, {}};
  } catch (const std::exception&) {
    return nullptr;
  }
}

void sysring_follower_free(sysring_follower* follower) {
  delete follower;
}

sysring_status sysring_follower_poll(sysring_follower* f, sysring_batch* out) {
  if (f == nullptr || out == nullptr) return SYSRING_E_ARGUMENT;
  return guarded([&] {
    switch (f->follower.poll(f->batch)) {
      case sysring::PollResult::kIdle:
        return SYSRING_IDLE;
      case sysring::PollResult::kBusy:
        return SYSRING_BUSY;
      case sysring::PollResult::kCorrupt:
        return SYSRING_CORRUPT;
      case sysring::PollResult::kBatch:
        break;
    }
    const sysring::Batch& b = f->batch;
    f->events.clear();
    for (const sysring::InstanceEvent& e : b.events) {
      f->events.push_back({static_cast<uint8_t>(e.kind == sysring::InstanceEventKind::kAdded),
                           static_cast<uint8_t>(e.domain), e.row, e.instance_id, e.registration,
                           e.name.c_str()});
    }
    f->deltas.clear();
    for (const auto& d : b.values) {
      f->deltas.push_back({static_cast<sysring_metric_id>(d.id), d.row, d.bits});
    }
    for (const auto& c : b.counters) {
      f->deltas.push_back({static_cast<sysring_metric_id>(c.id), c.row, c.totals.count});
    }
    f->string_ids.clear();
    for (const auto& s : b.strings) f->string_ids.push_back(static_cast<sysring_metric_id>(s.id));
    out->position = b.position;
    out->tick = b.tick;
    out->timestamp_ns = b.timestamp_ns;
    out->lost_batches = b.lost_batches;
    out->full_snapshot = b.full_snapshot ? 1 : 0;
    out->events = f->events.data();
    out->event_count = f->events.size();
    out->deltas = f->deltas.data();
    out->delta_count = f->deltas.size();
    out->string_ids = f->string_ids.data();
    out->string_count = f->string_ids.size();
    return SYSRING_OK;
  });
}

namespace {

sysring_status open_counters(const char* segment, int32_t pid, const char* const* events,
                             size_t event_count, sysring_process_counters** out, char* err,
                             size_t err_size) {
  if (out == nullptr) return SYSRING_E_ARGUMENT;
  *out = nullptr;
  if (events == nullptr || event_count == 0 || pid < 0) return SYSRING_E_ARGUMENT;
  for (size_t i = 0; i < event_count; ++i) {
    if (events[i] == nullptr) return SYSRING_E_ARGUMENT;
  }
  return guarded(
      [&] {
        sysring::CounterOptions options;
        if (segment != nullptr) options.segment = segment;
        options.events.assign(events, events + event_count);
        auto counters = pid == 0 ? sysring::ProcessCounters::open_self(options)
                                 : sysring::ProcessCounters::open_pid(pid, options);
        std::vector<std::string> names = counters.events();
        *out = new sysring_process_counters{std::move(counters), std::move(names)};
        return SYSRING_OK;
      },
      err, err_size);
}

}  // namespace

sysring_status sysring_process_counters_open_self(const char* segment, const char* const* events,
                                                  size_t event_count,
                                                  sysring_process_counters** out, char* err,
                                                  size_t err_size) {
  return open_counters(segment, 0, events, event_count, out, err, err_size);
}

sysring_status sysring_process_counters_open_pid(const char* segment, int32_t pid,
                                                 const char* const* events, size_t event_count,
                                                 sysring_process_counters** out, char* err,
                                                 size_t err_size) {
  if (pid <= 0) {
    if (out != nullptr) *out = nullptr;
    return SYSRING_E_ARGUMENT;
  }
  return open_counters(segment, pid, events, event_count, out, err, err_size);
}

void sysring_process_counters_close(sysring_process_counters* counters) {
  delete counters;
}

sysring_status sysring_process_counters_start(sysring_process_counters* counters) {
  if (counters == nullptr) return SYSRING_E_ARGUMENT;
  return guarded([&] {
    counters->counters.start();
    return SYSRING_OK;
  });
}

sysring_status sysring_process_counters_stop(sysring_process_counters* counters) {
  if (counters == nullptr) return SYSRING_E_ARGUMENT;
  return guarded([&] {
    counters->counters.stop();
    return SYSRING_OK;
  });
}

sysring_status sysring_process_counters_read(const sysring_process_counters* counters,
                                             sysring_process_counter_value* out, size_t cap,
                                             size_t* count) {
  if (counters == nullptr || count == nullptr || (out == nullptr && cap > 0)) {
    return SYSRING_E_ARGUMENT;
  }
  return guarded([&] {
    const std::vector<sysring::CounterValue> values = counters->counters.read();
    *count = values.size();
    for (size_t i = 0; i < values.size() && i < cap; ++i) {
      out[i] = {counters->names[i].c_str(), values[i].raw, values[i].time_enabled_ns,
                values[i].time_running_ns};
    }
    return SYSRING_OK;
  });
}

}  // extern "C"
