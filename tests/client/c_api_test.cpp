// The C ABI (include/sysring/sysring.h) end to end against segments made by the broker's own
// SegmentWriter: open error codes and messages, names and descriptors, scalar and text reads,
// health, and the follower (snapshot first, then ring batches, lapping reported).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "scheduler/monotonic_chain.hpp"
#include "segment/value_table_writer.hpp"
#include "segment_fixture.hpp"
#include "sysring/client.hpp"
#include "sysring/sysring.h"

namespace sysring {
namespace {

using schema::ValueType;

struct Opened {
  sysring_status rc = SYSRING_OK;
  std::string message;
  sysring_client* client = nullptr;
};

Opened c_open(const std::string& name) {
  Opened o;
  char err[512];
  std::memset(err, 'Z', sizeof err);
  o.rc = sysring_open(name.c_str(), &o.client, err, sizeof err);
  if (o.rc != SYSRING_OK) o.message = err;
  return o;
}

// Expects open to fail with `code`, leave *out NULL and give a one-line message.
void expect_c_error(const std::string& name, sysring_status code) {
  Opened o = c_open(name);
  EXPECT_EQ(o.rc, code) << o.message;
  EXPECT_EQ(o.client, nullptr);
  EXPECT_FALSE(o.message.empty());
  EXPECT_EQ(o.message.find('\n'), std::string::npos) << o.message;
  if (o.client != nullptr) sysring_close(o.client);
}

InstanceDomain entry_domain(std::uint16_t id) {
  for (const auto& e : registry::kEntries) {
    if (e.id == id) return e.domain;
  }
  return InstanceDomain::None;
}

std::uint16_t id_of(std::string_view name) {
  for (const auto& e : registry::kEntries) {
    if (e.name == name) return e.id;
  }
  throw std::logic_error("not in the registry: " + std::string(name));
}

class CApi : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = std::make_unique<test::ShmName>(test::unique_name("sca"));
    table_ = test::descriptor_table();
    writer_.emplace(test::make_writer(name_->str(), table_));
  }
  void TearDown() override {
    if (client_ != nullptr) sysring_close(client_);
    writer_.reset();
  }
  broker::SegmentWriter& w() { return *writer_; }
  // What a tick does for one scalar: write, stamp the column, publish.
  void put_scalar(std::string_view metric, ValueType type, std::uint64_t bits, std::uint64_t t) {
    const broker::ColumnPlan& c = *table_.layout->column(id_of(metric));
    w().values().put_scalar(broker::ValueLayout::cell(c, 0), type, bits);
    w().values().stamp(c.column, t);
    w().values().publish();
  }
  void put_text(std::string_view metric, std::string_view text, std::uint64_t t) {
    const broker::ColumnPlan& c = *table_.layout->column(id_of(metric));
    w().values().put_text(broker::ValueLayout::cell(c, 0), text);
    w().values().stamp(c.column, t);
    w().values().publish();
  }
  void put_status(std::string_view metric, layout::SlotStatus status, std::uint64_t t) {
    const broker::ColumnPlan& c = *table_.layout->column(id_of(metric));
    w().values().put_status(broker::ValueLayout::cell(c, 0), status, c.type);
    w().values().stamp(c.column, t);
    w().values().publish();
  }
  // Disk "vda" with disk.read_bytes = 4096: what c_header_test expects to find.
  void add_vda() {
    const broker::LabelView labels[] = {{"device", "vda"}};
    const std::uint32_t row =
        test::add_instance(w(), *table_.layout, instances_, InstanceDomain::Disk, "vda", labels);
    const broker::ColumnPlan& c = *table_.layout->column(id_of("disk.read_bytes"));
    w().values().put_scalar(broker::ValueLayout::cell(c, row), ValueType::U64, 4096);
    w().values().publish();
  }
  void go_live_and_open() {
    w().heartbeat(monotonic_ns(), 1);
    w().go_live();
    Opened o = c_open(name_->str());
    ASSERT_EQ(o.rc, SYSRING_OK) << o.message;
    client_ = o.client;
  }
  std::string put_copy(std::vector<std::uint8_t> bytes, mode_t mode = 0644) {
    extra_.push_back(std::make_unique<test::ShmName>(test::unique_name("sca-x")));
    test::write_object(extra_.back()->str(), bytes, mode);
    return extra_.back()->str();
  }

  std::unique_ptr<test::ShmName> name_;
  test::DescriptorImage table_;
  std::optional<broker::SegmentWriter> writer_;
  broker::InstanceTable instances_{test::test_capacities(), 0, 1, 4096};
  sysring_client* client_ = nullptr;
  std::vector<std::unique_ptr<test::ShmName>> extra_;
};

// ---- Open errors ----

TEST_F(CApi, OpenErrorsMapToTheirCodes) {
  EXPECT_EQ(sysring_open(name_->str().c_str(), nullptr, nullptr, 0), SYSRING_E_ARGUMENT);
  expect_c_error("no-slash", SYSRING_E_INVALID_NAME);
  expect_c_error("/" + std::string(31, 'n'), SYSRING_E_INVALID_NAME);
  expect_c_error(test::unique_name("sca-absent"), SYSRING_E_NOT_FOUND);
  expect_c_error(name_->str(), SYSRING_E_NOT_LIVE);  // still INIT

  w().go_live();
  const std::vector<std::uint8_t> good = test::read_object(name_->str());
  {
    Opened o = c_open(put_copy(good));
    ASSERT_EQ(o.rc, SYSRING_OK) << o.message;  // the control: an untouched copy opens
    sysring_close(o.client);
  }
  auto bad = good;
  test::poke<std::uint64_t>(bad, 0, 0xBADBADBADULL);
  expect_c_error(put_copy(bad), SYSRING_E_BAD_SEGMENT);
  bad = good;
  test::poke<std::uint16_t>(bad, offsetof(layout::HeaderFixed, major), layout::kMajorVersion + 1);
  expect_c_error(put_copy(bad), SYSRING_E_VERSION);
  expect_c_error(put_copy(good, 0666), SYSRING_E_INSECURE_MODE);

  if (::geteuid() == 0) {
    const std::string foreign = put_copy(good);
    const int fd = ::shm_open(foreign.c_str(), O_RDWR, 0);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::fchown(fd, 65534, 65534), 0) << std::strerror(errno);
    ::close(fd);
    expect_c_error(foreign, SYSRING_E_FOREIGN_OWNER);
  }
}

TEST_F(CApi, OpenMessageIsTruncatedAndTerminatedInASmallBuffer) {
  char err[8];
  std::memset(err, 'Z', sizeof err);
  sysring_client* client = nullptr;
  EXPECT_EQ(sysring_open(test::unique_name("sca-absent").c_str(), &client, err, 5),
            SYSRING_E_NOT_FOUND);
  EXPECT_EQ(err[4], '\0');
  EXPECT_EQ(std::strlen(err), 4u);
  EXPECT_EQ(err[5], 'Z') << "wrote past err_size";
}

// ---- Names and descriptors ----

TEST_F(CApi, FindCountAndInfoMatchTheRegistry) {
  go_live_and_open();
  ASSERT_EQ(sysring_metric_count(client_), registry::kEntries.size());
  sysring_metric_id id = 0;
  EXPECT_EQ(sysring_find(client_, "mem.total", &id), SYSRING_OK);
  EXPECT_EQ(id, id_of("mem.total"));
  EXPECT_EQ(sysring_find(client_, "kern.ostype", &id), SYSRING_OK);
  EXPECT_EQ(id, id_of("kern.ostype"));
  EXPECT_EQ(sysring_find(client_, "no.such.metric", &id), SYSRING_NO_SUCH_METRIC);
  EXPECT_EQ(id, SYSRING_NO_METRIC);
  EXPECT_EQ(sysring_find(client_, "", &id), SYSRING_NO_SUCH_METRIC);
  EXPECT_EQ(sysring_find(client_, nullptr, &id), SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_find(client_, "mem.total", nullptr), SYSRING_E_ARGUMENT);

  std::vector<bool> seen(registry::kMaxMetricId + 1u, false);
  for (std::size_t i = 0; i < sysring_metric_count(client_); ++i) {
    sysring_metric_info info{};
    ASSERT_EQ(sysring_metric_info_at(client_, i, &info), SYSRING_OK);
    ASSERT_NE(info.name, nullptr);
    SCOPED_TRACE(info.name);
    ASSERT_LE(info.id, registry::kMaxMetricId);
    EXPECT_FALSE(seen[info.id]) << "id listed twice";
    seen[info.id] = true;
    sysring_metric_id found = 0;
    EXPECT_EQ(sysring_find(client_, info.name, &found), SYSRING_OK);
    EXPECT_EQ(found, info.id);
    EXPECT_EQ(info.domain, static_cast<std::uint8_t>(entry_domain(info.id)));
    const registry::RegistryEntry* entry = nullptr;
    for (const auto& e : registry::kEntries) {
      if (e.id == info.id) entry = &e;
    }
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(std::string(info.name), entry->name);
    EXPECT_EQ(std::string(info.category), entry->category);
    EXPECT_EQ(std::string(info.unit), entry->unit);
    EXPECT_EQ(std::string(info.description), entry->description);
    EXPECT_EQ(info.type, static_cast<std::uint8_t>(entry->type));
    EXPECT_EQ(info.kernel_pattern, static_cast<std::uint8_t>(entry->kernel_pattern));
    EXPECT_EQ(info.recommended_pattern, static_cast<std::uint8_t>(entry->recommended_pattern));
    EXPECT_EQ(info.ttl_ms, entry->ttl_ms);
    EXPECT_EQ(info.available, 1);
    // No config: the schedule followed is the registry's own.
    std::uint8_t pattern = 0xFF;
    std::uint32_t ttl = 0xFFFFFFFF;
    ASSERT_EQ(sysring_metric_schedule_at(client_, i, &pattern, &ttl), SYSRING_OK);
    const broker::Schedule expected = broker::registry_schedule(*entry);
    EXPECT_EQ(pattern, static_cast<std::uint8_t>(expected.pattern));
    EXPECT_EQ(ttl, expected.ttl_ms);
  }
  std::uint8_t pattern = 0;
  std::uint32_t ttl = 0;
  EXPECT_EQ(sysring_metric_schedule_at(client_, registry::kEntries.size(), &pattern, &ttl),
            SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_metric_schedule_at(client_, 0, nullptr, &ttl), SYSRING_E_ARGUMENT);
  sysring_metric_info info{};
  EXPECT_EQ(sysring_metric_info_at(client_, registry::kEntries.size(), &info), SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_metric_info_at(client_, 0, nullptr), SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_metric_info_at(nullptr, 0, &info), SYSRING_E_ARGUMENT);
}

// ---- Reads ----

TEST_F(CApi, ScalarReadsCarryBitsTypeAndReadTime) {
  put_scalar("mem.total", ValueType::U64, 0x123456789ULL, 1111);
  put_scalar("load.avg1", ValueType::F64, std::bit_cast<std::uint64_t>(0.75), 2222);
  put_scalar("net.tcp.max_conn", ValueType::I64, static_cast<std::uint64_t>(-7), 3333);
  put_status("mem.free", layout::SlotStatus::kUnavailable, 4444);
  put_status("mem.cached", layout::SlotStatus::kReadError, 5555);
  go_live_and_open();

  sysring_scalar v{};
  ASSERT_EQ(sysring_read(client_, id_of("mem.total"), &v), SYSRING_OK);
  EXPECT_EQ(v.bits, 0x123456789ULL);
  EXPECT_EQ(v.type, SYSRING_TYPE_U64);
  EXPECT_EQ(v.read_time_ns, 1111u);
  EXPECT_DOUBLE_EQ(sysring_scalar_as_double(&v), static_cast<double>(0x123456789ULL));

  ASSERT_EQ(sysring_read(client_, id_of("load.avg1"), &v), SYSRING_OK);
  EXPECT_EQ(v.type, SYSRING_TYPE_F64);
  EXPECT_DOUBLE_EQ(sysring_scalar_as_double(&v), 0.75);

  ASSERT_EQ(sysring_read(client_, id_of("net.tcp.max_conn"), &v), SYSRING_OK);
  EXPECT_EQ(v.type, SYSRING_TYPE_I64);
  EXPECT_DOUBLE_EQ(sysring_scalar_as_double(&v), -7.0);

  EXPECT_EQ(sysring_read(client_, id_of("mem.free"), &v), SYSRING_UNAVAILABLE);
  EXPECT_EQ(sysring_read(client_, id_of("mem.cached"), &v), SYSRING_READ_ERROR);
  EXPECT_EQ(sysring_read(client_, id_of("mem.dirty"), &v), SYSRING_EMPTY);
  EXPECT_EQ(sysring_read(client_, registry::kMaxMetricId + 1, &v), SYSRING_NO_SUCH_METRIC);
  EXPECT_EQ(sysring_read(client_, 0xFFFF, &v), SYSRING_NO_SUCH_METRIC);
  EXPECT_EQ(sysring_read(client_, 1, nullptr), SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_read(nullptr, 1, &v), SYSRING_E_ARGUMENT);

  // The value follows the writer: a new write is visible on the next read.
  put_scalar("mem.total", ValueType::U64, 42, 9999);
  ASSERT_EQ(sysring_read(client_, id_of("mem.total"), &v), SYSRING_OK);
  EXPECT_EQ(v.bits, 42u);
  EXPECT_EQ(v.read_time_ns, 9999u);
}

TEST_F(CApi, TextReadsAreCompleteTerminatedAndTruncatedSafely) {
  const std::string longest(layout::kMaxStringBytes, 'v');  // 104 bytes: the whole payload
  put_text("kern.ostype", "Linux", 77);
  put_text("kern.version", longest, 88);
  put_text("kern.hostname", "", 99);
  go_live_and_open();

  char buf[256];
  std::size_t length = 0;
  std::uint64_t when = 0;
  ASSERT_EQ(sysring_read_text(client_, id_of("kern.ostype"), buf, sizeof buf, &length, &when),
            SYSRING_OK);
  EXPECT_STREQ(buf, "Linux");
  EXPECT_EQ(length, 5u);
  EXPECT_EQ(when, 77u);

  ASSERT_EQ(sysring_read_text(client_, id_of("kern.version"), buf, sizeof buf, &length, &when),
            SYSRING_OK);
  EXPECT_EQ(std::string(buf), longest);
  EXPECT_EQ(length, longest.size());

  // cap 4: three bytes and a NUL, but the full length reported; nothing written past cap.
  std::memset(buf, '#', sizeof buf);
  ASSERT_EQ(sysring_read_text(client_, id_of("kern.version"), buf, 4, &length, nullptr),
            SYSRING_OK);
  EXPECT_STREQ(buf, "vvv");
  EXPECT_EQ(length, longest.size());
  EXPECT_EQ(buf[4], '#');

  ASSERT_EQ(sysring_read_text(client_, id_of("kern.hostname"), buf, sizeof buf, &length, nullptr),
            SYSRING_OK);
  EXPECT_STREQ(buf, "");
  EXPECT_EQ(length, 0u);

  // NULL buffer and length pointers are allowed.
  EXPECT_EQ(sysring_read_text(client_, id_of("kern.ostype"), nullptr, 0, nullptr, nullptr),
            SYSRING_OK);
  EXPECT_EQ(sysring_read_text(client_, id_of("kern.domainname"), buf, sizeof buf, &length, nullptr),
            SYSRING_EMPTY);
  EXPECT_EQ(sysring_read_text(client_, 0xFFFF, buf, sizeof buf, &length, nullptr),
            SYSRING_NO_SUCH_METRIC);
}

// ---- Health and reattach ----

TEST_F(CApi, HealthIsAliveThenStaleThenGone) {
  go_live_and_open();
  const auto health = [&] {
    sysring_health_state h = SYSRING_DEAD;
    EXPECT_EQ(sysring_health(client_, &h), SYSRING_OK);
    return h;
  };
  EXPECT_EQ(health(), SYSRING_ALIVE);
  // A heartbeat older than three ticks (tick = 1 s here): stale, the process still exists.
  w().heartbeat(monotonic_ns() - 5'000'000'000ULL, 2);
  EXPECT_EQ(health(), SYSRING_STALE);
  w().heartbeat(monotonic_ns(), 3);
  EXPECT_EQ(health(), SYSRING_ALIVE);
  w().close();  // CLOSED and unlinked
  EXPECT_EQ(health(), SYSRING_DEAD);
  sysring_health_state h;
  EXPECT_EQ(sysring_health(nullptr, &h), SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_health(client_, nullptr), SYSRING_E_ARGUMENT);
}

TEST_F(CApi, ReattachFollowsARestartedBroker) {
  go_live_and_open();
  EXPECT_EQ(sysring_reattach(client_), SYSRING_IDLE);  // nothing newer
  w().close();
  sysring_health_state h = SYSRING_ALIVE;
  ASSERT_EQ(sysring_health(client_, &h), SYSRING_OK);
  EXPECT_EQ(h, SYSRING_DEAD);
  EXPECT_EQ(sysring_reattach(client_), SYSRING_IDLE);  // nothing to attach to yet
  writer_.reset();
  writer_.emplace(test::make_writer(name_->str(), table_));
  EXPECT_EQ(sysring_reattach(client_), SYSRING_IDLE) << "a broker still in INIT is not attached to";
  put_scalar("mem.total", ValueType::U64, 31337, 1);
  w().heartbeat(monotonic_ns(), 1);
  w().go_live();
  EXPECT_EQ(sysring_reattach(client_), SYSRING_OK);
  ASSERT_EQ(sysring_health(client_, &h), SYSRING_OK);
  EXPECT_EQ(h, SYSRING_ALIVE);
  sysring_scalar v{};
  ASSERT_EQ(sysring_read(client_, id_of("mem.total"), &v), SYSRING_OK);
  EXPECT_EQ(v.bits, 31337u);
  EXPECT_EQ(sysring_reattach(client_), SYSRING_IDLE);
  EXPECT_EQ(sysring_reattach(nullptr), SYSRING_E_ARGUMENT);
}

// ---- Follower ----

TEST_F(CApi, FollowerStartsWithASnapshotThenDeliversRingBatches) {
  put_scalar("mem.total", ValueType::U64, 1000, 1);
  put_text("kern.ostype", "Linux", 1);
  go_live_and_open();
  sysring_follower* f = sysring_follower_new(client_);
  ASSERT_NE(f, nullptr);
  sysring_batch b{};
  ASSERT_EQ(sysring_follower_poll(f, &b), SYSRING_OK);
  EXPECT_EQ(b.full_snapshot, 1);
  EXPECT_EQ(b.lost_batches, 0u);
  ASSERT_EQ(b.delta_count, 1u);  // only one scalar has a value
  EXPECT_EQ(b.deltas[0].id, id_of("mem.total"));
  EXPECT_EQ(b.deltas[0].bits, 1000u);
  ASSERT_EQ(b.string_count, 1u);
  EXPECT_EQ(b.string_ids[0], id_of("kern.ostype"));
  EXPECT_EQ(sysring_follower_poll(f, &b), SYSRING_IDLE);

  const auto batch =
      test::delta_batch(table_, /*tick=*/7, /*full=*/false, /*count=*/3, /*base=*/500);
  w().ring().publish(batch, 3);
  ASSERT_EQ(sysring_follower_poll(f, &b), SYSRING_OK);
  EXPECT_EQ(b.full_snapshot, 0);
  EXPECT_EQ(b.tick, 7u);
  EXPECT_EQ(b.position, 0u);
  ASSERT_EQ(b.delta_count, 3u);
  EXPECT_EQ(b.deltas[0].id, 1) << "mem.total, the first u64 scalar";
  EXPECT_EQ(b.deltas[0].row, 0u);
  EXPECT_EQ(b.deltas[2].bits, 502u);
  EXPECT_EQ(sysring_follower_poll(f, &b), SYSRING_IDLE);

  // Lapped: more batches than slots were published before the next poll.
  const std::uint32_t slots = test::WriterParams{}.ring_slot_count;
  for (std::uint32_t i = 0; i < slots + 3; ++i)
    w().ring().publish(test::delta_batch(table_, 8 + i, false, 1), 1);
  ASSERT_EQ(sysring_follower_poll(f, &b), SYSRING_OK);
  EXPECT_EQ(b.full_snapshot, 1);
  EXPECT_EQ(b.lost_batches, slots + 3u);
  EXPECT_EQ(sysring_follower_poll(f, &b), SYSRING_IDLE);
  sysring_follower_free(f);

  EXPECT_EQ(sysring_follower_new(nullptr), nullptr);
  EXPECT_EQ(sysring_follower_poll(nullptr, &b), SYSRING_E_ARGUMENT);
}

TEST_F(CApi, FollowerSkipsACorruptSlotAndCountsIt) {
  go_live_and_open();
  sysring_follower* f = sysring_follower_new(client_);
  sysring_batch b{};
  ASSERT_EQ(sysring_follower_poll(f, &b), SYSRING_OK);  // snapshot
  const std::vector<std::uint8_t> junk(100, 0xEE);      // not a DeltaBatch
  w().ring().publish(junk, 0);
  w().ring().publish(test::delta_batch(table_, 2, false, 1), 1);
  EXPECT_EQ(sysring_follower_poll(f, &b), SYSRING_CORRUPT);
  ASSERT_EQ(sysring_follower_poll(f, &b), SYSRING_OK);
  EXPECT_EQ(b.tick, 2u);
  EXPECT_EQ(b.position, 1u);
  sysring_follower_free(f);
}

TEST_F(CApi, FollowerAfterReattachStartsWithAFullSnapshot) {
  // Invariant 5: the first batch after a resync is a full snapshot, and lost batches are never
  // silent. The C ABI has no resync call, so a follower that outlives sysring_reattach() must
  // notice the new segment itself.
  go_live_and_open();
  sysring_follower* f = sysring_follower_new(client_);
  sysring_batch b{};
  ASSERT_EQ(sysring_follower_poll(f, &b), SYSRING_OK);
  for (int i = 0; i < 2; ++i) {
    w().ring().publish(test::delta_batch(table_, 1 + i, false, 1), 1);
    ASSERT_EQ(sysring_follower_poll(f, &b), SYSRING_OK);
  }
  // The broker restarts; the new one publishes more batches than the old one did.
  w().close();
  writer_.reset();
  writer_.emplace(test::make_writer(name_->str(), table_));
  for (int i = 0; i < 5; ++i) {
    w().ring().publish(test::delta_batch(table_, 100 + i, i == 0, 1), 1);
  }
  w().heartbeat(monotonic_ns(), 5);
  w().go_live();
  ASSERT_EQ(sysring_reattach(client_), SYSRING_OK);
  ASSERT_EQ(sysring_follower_poll(f, &b), SYSRING_OK);
  EXPECT_EQ(static_cast<int>(b.full_snapshot), 1)
      << "first batch after reattach was ring position " << b.position << " (tick " << b.tick
      << "): batches 0.." << (b.position == 0 ? 0 : b.position - 1)
      << " of the new broker were skipped without being reported";
  sysring_follower_free(f);
}

// ---- Instances ----

TEST_F(CApi, InstancesHandlesAndFamiliesThroughTheCAbi) {
  add_vda();
  go_live_and_open();
  const sysring_metric_id disk = id_of("disk.read_bytes");
  sysring_scalar v{};
  EXPECT_EQ(sysring_read(client_, disk, &v), SYSRING_NO_SUCH_METRIC) << "read per instance";

  sysring_instance_list* list = nullptr;
  ASSERT_EQ(sysring_instances(client_, &list), SYSRING_OK);
  ASSERT_EQ(sysring_instance_count(list), 1u);
  sysring_instance_info info{};
  ASSERT_EQ(sysring_instance_at(list, 0, &info), SYSRING_OK);
  EXPECT_STREQ(info.name, "vda");
  EXPECT_EQ(info.domain, SYSRING_DOMAIN_DISK);
  EXPECT_EQ(info.live, 1);
  EXPECT_EQ(info.label_count, 1u);
  const char* key = nullptr;
  const char* value = nullptr;
  ASSERT_EQ(sysring_instance_label(list, 0, 0, &key, &value), SYSRING_OK);
  EXPECT_STREQ(key, "device");
  EXPECT_STREQ(value, "vda");
  EXPECT_EQ(sysring_instance_label(list, 0, 1, &key, &value), SYSRING_E_ARGUMENT);
  EXPECT_EQ(sysring_instance_at(list, 1, &info), SYSRING_E_ARGUMENT);

  sysring_handle handle{};
  ASSERT_EQ(sysring_bind(client_, disk, "vda", &handle), SYSRING_OK);
  ASSERT_EQ(sysring_read_handle(client_, &handle, &v), SYSRING_OK);
  EXPECT_EQ(v.bits, 4096u);
  EXPECT_EQ(sysring_bind(client_, disk, "sdz", &handle), SYSRING_NO_SUCH_METRIC);
  EXPECT_EQ(sysring_bind(client_, id_of("mem.total"), "vda", &handle), SYSRING_NO_SUCH_METRIC);

  sysring_instance_value values[4];
  std::size_t count = 0;
  ASSERT_EQ(sysring_read_family(client_, list, disk, values, 4, &count), SYSRING_OK);
  ASSERT_EQ(count, 1u);
  EXPECT_STREQ(values[0].instance, "vda");
  EXPECT_EQ(values[0].status, SYSRING_OK);
  EXPECT_EQ(values[0].value.bits, 4096u);
  EXPECT_EQ(sysring_read_family(client_, list, id_of("mem.total"), values, 4, &count),
            SYSRING_NO_SUCH_METRIC);

  // vda goes: the handle reads gone, the generation moved.
  const std::uint64_t generation = sysring_instance_generation(client_);
  ASSERT_EQ(sysring_bind(client_, disk, "vda", &handle), SYSRING_OK);
  instances_.begin_refresh(InstanceDomain::Disk);
  instances_.end_refresh(InstanceDomain::Disk, 2);
  const broker::InstanceRecord& gone = *instances_.record(InstanceDomain::Disk, handle.row);
  w().values().put_word(table_.layout->registration(InstanceDomain::Disk, handle.row),
                        gone.registration);
  w().values().publish();
  w().directory().publish(instances_);
  EXPECT_EQ(sysring_read_handle(client_, &handle, &v), SYSRING_GONE);
  EXPECT_GT(sysring_instance_generation(client_), generation);
  sysring_instance_list_free(list);
}

// ---- The C test program against a live segment ----

TEST_F(CApi, CompiledCProgramReadsALiveSegment) {
  put_scalar("mem.total", ValueType::U64, 8ULL << 30, 1);
  put_text("kern.ostype", "Linux", 1);
  add_vda();
  w().heartbeat(monotonic_ns(), 1);
  w().go_live();
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(SYSRING_C_HEADER_TEST, SYSRING_C_HEADER_TEST, name_->str().c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  pid_t done = 0;
  while ((done = ::waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    FAIL() << "c_header_test did not finish in 20 s";
  }
  ASSERT_TRUE(WIFEXITED(status)) << "signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace sysring
