// The C ABI over the C++ client. No exception crosses it.
#include <cstring>
#include <new>

#include "sysring/client.hpp"
#include "sysring/ring_follower.hpp"
#include "sysring/sysring.h"

struct sysring_client {
  sysring::Client client;
};

struct sysring_follower {
  sysring::RingFollower follower;
  sysring::Batch batch;
  std::vector<sysring_delta> deltas;
  std::vector<std::uint16_t> string_ids;
};

namespace {

static_assert(SYSRING_READ_EMPTY == static_cast<int>(sysring::ReadStatus::kEmpty) &&
                  SYSRING_READ_OK == static_cast<int>(sysring::ReadStatus::kOk) &&
                  SYSRING_READ_UNAVAILABLE == static_cast<int>(sysring::ReadStatus::kUnavailable) &&
                  SYSRING_READ_ERROR == static_cast<int>(sysring::ReadStatus::kReadError) &&
                  SYSRING_READ_NO_SUCH_METRIC ==
                      static_cast<int>(sysring::ReadStatus::kNoSuchMetric) &&
                  SYSRING_READ_BUSY == static_cast<int>(sysring::ReadStatus::kBusy),
              "the C read codes are the C++ ReadStatus values");
static_assert(SYSRING_TYPE_COUNTER == static_cast<int>(sysring::ValueType::Counter) &&
                  SYSRING_TYPE_STRING == static_cast<int>(sysring::ValueType::String),
              "the C type codes are the C++ ValueType values");

int code_of(sysring::ErrorCode code) {
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
    default:
      return SYSRING_E_SYSTEM;
  }
}

void put_message(char* err, size_t size, const char* message) {
  if (err == nullptr || size == 0) return;
  std::strncpy(err, message, size - 1);
  err[size - 1] = '\0';
}

}  // namespace

extern "C" {

int sysring_open(const char* name, sysring_client** out, char* err, size_t err_size) {
  if (out == nullptr) return SYSRING_E_ARGUMENT;
  *out = nullptr;
  try {
    sysring::OpenOptions options;
    if (name != nullptr) options.name = name;
    *out = new sysring_client{sysring::Client::open(options)};
    return SYSRING_OK;
  } catch (const sysring::Error& e) {
    put_message(err, err_size, e.what());
    return code_of(e.code());
  } catch (const std::exception& e) {
    put_message(err, err_size, e.what());
    return SYSRING_E_SYSTEM;
  }
}

void sysring_close(sysring_client* client) {
  delete client;
}

int sysring_find(const sysring_client* client, const char* name) {
  if (client == nullptr || name == nullptr) return -1;
  const auto id = client->client.find(name);
  return id ? static_cast<int>(*id) : -1;
}

size_t sysring_metric_count(const sysring_client* client) {
  return client ? client->client.descriptors().size() : 0;
}

int sysring_metric_info_at(const sysring_client* client, size_t index, sysring_metric_info* out) {
  if (client == nullptr || out == nullptr) return SYSRING_E_ARGUMENT;
  const auto& all = client->client.descriptors();
  if (index >= all.size()) return SYSRING_E_ARGUMENT;
  const sysring::Descriptor& d = all[index];
  out->id = static_cast<uint16_t>(d.id);
  out->type = static_cast<uint8_t>(d.type);
  out->kernel_pattern = static_cast<uint8_t>(d.kernel_pattern);
  out->recommended_pattern = static_cast<uint8_t>(d.recommended_pattern);
  out->available = d.available ? 1 : 0;
  out->ttl_ms = d.ttl_ms;
  out->name = d.name.c_str();
  out->category = d.category.c_str();
  out->unit = d.unit.c_str();
  out->description = d.description.c_str();
  return SYSRING_OK;
}

int sysring_metric_schedule_at(const sysring_client* client, size_t index, uint8_t* pattern,
                               uint32_t* ttl_ms) {
  if (client == nullptr || pattern == nullptr || ttl_ms == nullptr) return SYSRING_E_ARGUMENT;
  const auto& all = client->client.descriptors();
  if (index >= all.size()) return SYSRING_E_ARGUMENT;
  *pattern = static_cast<uint8_t>(all[index].effective_pattern);
  *ttl_ms = all[index].effective_ttl_ms;
  return SYSRING_OK;
}

int sysring_read(const sysring_client* client, uint16_t id, sysring_scalar* out) {
  if (client == nullptr || out == nullptr) return SYSRING_READ_NO_SUCH_METRIC;
  sysring::Scalar value;
  const auto status = client->client.read(static_cast<sysring::MetricId>(id), value);
  out->bits = value.bits;
  out->read_time_ns = value.read_time_ns;
  out->type = static_cast<uint8_t>(value.type);
  return static_cast<int>(status);
}

int sysring_read_counter(const sysring_client* client, uint16_t id, sysring_counter* out) {
  if (client == nullptr || out == nullptr) return SYSRING_READ_NO_SUCH_METRIC;
  sysring::CounterTotals totals;
  const auto status = client->client.read_counter(static_cast<sysring::MetricId>(id), totals);
  *out = sysring_counter{totals.count, totals.time_enabled_ns, totals.time_running_ns,
                         totals.read_time_ns};
  return static_cast<int>(status);
}

const char* sysring_counters_summary(const sysring_client* client) {
  return client == nullptr ? "" : client->client.counters_summary().c_str();
}

double sysring_scalar_as_double(const sysring_scalar* value) {
  if (value == nullptr) return 0.0;
  sysring::Scalar s;
  s.bits = value->bits;
  s.type = static_cast<sysring::ValueType>(value->type);
  return s.as_number();
}

int sysring_read_text(const sysring_client* client, uint16_t id, char* buf, size_t cap,
                      size_t* length, uint64_t* read_time_ns) {
  if (client == nullptr) return SYSRING_READ_NO_SUCH_METRIC;
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
  return static_cast<int>(status);
}

int sysring_health(const sysring_client* client) {
  if (client == nullptr) return SYSRING_GONE;
  return static_cast<int>(client->client.health());
}

int sysring_reattach(sysring_client* client) {
  if (client == nullptr) return SYSRING_E_ARGUMENT;
  try {
    return client->client.reattach() ? 1 : 0;
  } catch (const sysring::Error& e) {
    return code_of(e.code());
  } catch (const std::exception&) {
    return SYSRING_E_SYSTEM;
  }
}

sysring_follower* sysring_follower_new(const sysring_client* client) {
  if (client == nullptr) return nullptr;
  return new (std::nothrow) sysring_follower{sysring::RingFollower(client->client), {}, {}, {}};
}

void sysring_follower_free(sysring_follower* follower) {
  delete follower;
}

int sysring_follower_poll(sysring_follower* f, sysring_batch* out) {
  if (f == nullptr || out == nullptr) return SYSRING_E_ARGUMENT;
  try {
    const auto result = f->follower.poll(f->batch);
    if (result != sysring::PollResult::kBatch) {
      return result == sysring::PollResult::kIdle   ? 0
             : result == sysring::PollResult::kBusy ? 2
                                                    : 3;
    }
    f->deltas.clear();
    for (const auto& d : f->batch.values)
      f->deltas.push_back({static_cast<uint16_t>(d.id), d.bits});
    for (const auto& c : f->batch.counters) {
      f->deltas.push_back({static_cast<uint16_t>(c.id), c.totals.count});
    }
    f->string_ids.clear();
    for (const auto& s : f->batch.strings) f->string_ids.push_back(static_cast<uint16_t>(s.id));
    out->position = f->batch.position;
    out->tick = f->batch.tick;
    out->timestamp_ns = f->batch.timestamp_ns;
    out->lost_batches = f->batch.lost_batches;
    out->full_snapshot = f->batch.full_snapshot ? 1 : 0;
    out->deltas = f->deltas.data();
    out->delta_count = f->deltas.size();
    out->string_ids = f->string_ids.data();
    out->string_count = f->string_ids.size();
    return 1;
  } catch (const std::exception&) {
    return SYSRING_E_SYSTEM;  // allocation failure
  }
}

}  // extern "C"
