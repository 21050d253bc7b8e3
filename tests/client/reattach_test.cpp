// Invariant 4 (restart) and 5 (following the ring) across a broker restart, through the C++ API:
// Client::reattach() maps the new segment (new inode and epoch) and a RingFollower that is told
// keeps working (it must notice the new epoch; resync() is harmless), whatever ring geometry the
// new broker chose. Run under ASan: a follower that keeps buffers sized for the old segment writes
// past them.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "segment/value_table_writer.hpp"
#include "segment_fixture.hpp"
#include "sysring/client.hpp"
#include "sysring/error.hpp"
#include "sysring/ring_follower.hpp"

namespace sysring {
namespace {

OpenOptions options_for(const std::string& name) {
  OpenOptions o;
  o.name = name;
  return o;
}

class Reattach : public ::testing::Test {
 protected:
  void SetUp() override {
    name_ = std::make_unique<test::ShmName>(test::unique_name("srr"));
    table_ = test::descriptor_table();
  }
  broker::SegmentWriter& start(const test::WriterParams& p = {}) {
    writer_.reset();
    writer_.emplace(test::make_writer(name_->str(), table_, p));
    writer_->heartbeat(monotonic_ns(), 1);
    writer_->go_live();
    return *writer_;
  }
  std::unique_ptr<test::ShmName> name_;
  test::DescriptorImage table_;
  std::optional<broker::SegmentWriter> writer_;
};

TEST_F(Reattach, SeesANewEpochAndInodeOnlyAfterARestart) {
  start();
  Client client = Client::open(options_for(name_->str()));
  const SegmentInfo before = client.info();
  EXPECT_FALSE(client.reattach());
  EXPECT_EQ(client.info().epoch, before.epoch);

  writer_->close();
  EXPECT_EQ(client.health(), BrokerHealth::kGone);
  EXPECT_FALSE(client.reattach()) << "nothing under the name: keep the old mapping";
  // The old mapping stays readable after the name is gone (no SIGBUS, no unmapping).
  EXPECT_EQ(client.info().state, layout::BrokerState::kClosed);

  start();
  const broker::ColumnPlan& total = *table_.layout->column(1);
  writer_->values().put_scalar(broker::ValueLayout::cell(total, 0), schema::ValueType::U64, 777);
  writer_->values().publish();
  ASSERT_TRUE(client.reattach());
  const SegmentInfo after = client.info();
  EXPECT_NE(after.epoch, before.epoch);
  EXPECT_EQ(client.health(), BrokerHealth::kAlive);
  Scalar v;
  ASSERT_EQ(client.read(MetricId::mem_total, v), ReadStatus::kOk);
  EXPECT_EQ(v.bits, 777u);
  EXPECT_FALSE(client.reattach());
}

bool has_value(const Batch& batch, std::uint64_t bits) {
  for (const Delta& d : batch.values) {
    if (d.bits == bits) return true;
  }
  return false;
}

// Runs `body` in a forked child so that heap corruption (or an ASan report) fails this test
// instead of aborting the whole binary before the segments are cleaned up. The child's exit code
// is body()'s result; it prints its own diagnostics to stderr.
int run_in_child(const std::function<int()>& body, std::chrono::seconds timeout) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int code = 99;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: exception: %s\n", e.what());
    }
    std::fflush(nullptr);
    ::_exit(code);
  }
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -2;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (WIFSIGNALED(status)) return 1000 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

TEST_F(Reattach, FollowerResyncedAfterReattachHandlesLargerRingSlots) {
  // Before e840022 the follower sized its private slot copy once, for the old segment, and
  // overflowed it when the new broker used 16 KiB slots (heap corruption; ASan reports it).
  const int result = run_in_child(
      [&]() -> int {
        test::WriterParams small;
        small.ring_slot_size = 1024;
        start(small);
        Client client = Client::open(options_for(name_->str()));
        RingFollower follower(client);
        Batch batch;
        if (follower.poll(batch) != PollResult::kBatch || !batch.full_snapshot) return 10;

        test::WriterParams big;
        big.ring_slot_size = 16384;
        start(big);
        if (!client.reattach()) return 11;
        follower.resync();
        if (follower.poll(batch) != PollResult::kBatch || !batch.full_snapshot) return 12;

        const auto payload =
            test::delta_batch(table_, /*tick=*/5, /*full=*/false, /*count=*/900, 10);
        if (payload.size() <= small.ring_slot_size || payload.size() > writer_->ring().capacity()) {
          return 13;
        }
        writer_->ring().publish(payload, 900);
        if (follower.poll(batch) != PollResult::kBatch) return 14;
        if (batch.tick != 5 || batch.values.size() != 900 || !has_value(batch, 909)) return 15;
        return 0;
      },
      std::chrono::seconds(30));
  EXPECT_EQ(result, 0) << "child result " << result
                       << " (1000+N: killed by signal N, e.g. 1006 = SIGABRT from heap corruption;"
                          " 1x: a check failed)";
}

TEST_F(Reattach, FreshFollowerOnTheRestartedSegmentReadsLargeBatches) {
  // The control for the test above: the same batch read by a follower made after reattach.
  test::WriterParams big;
  big.ring_slot_size = 16384;
  start(big);
  Client client = Client::open(options_for(name_->str()));
  RingFollower follower(client);
  Batch batch;
  ASSERT_EQ(follower.poll(batch), PollResult::kBatch);
  writer_->ring().publish(test::delta_batch(table_, 5, false, 900, 10), 900);
  ASSERT_EQ(follower.poll(batch), PollResult::kBatch);
  ASSERT_EQ(batch.values.size(), 900u);
  EXPECT_TRUE(has_value(batch, 909));
}

// ---- A broker creating its segment (SegmentWriter::create: the object is made under its final
// name empty, then sized, then its header written and its state set to INIT) ----

TEST_F(Reattach, ASegmentBeingCreatedIsNotLiveYetNotBad) {
  start();
  Client client = Client::open(options_for(name_->str()));
  writer_->close();
  writer_.reset();
  // The object as create() leaves it before sizing it, then before writing the header.
  test::write_object(name_->str(), std::vector<std::uint8_t>{});
  EXPECT_EQ(client.health(), BrokerHealth::kGone);
  EXPECT_FALSE(client.reattach()) << "an empty object: keep the old mapping and try again";
  try {
    (void)Client::open(options_for(name_->str()));
    ADD_FAILURE() << "opened an empty object";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotLive) << e.what();
  }
  ::shm_unlink(name_->str().c_str());
  test::write_object(name_->str(), std::vector<std::uint8_t>(65536, 0));
  EXPECT_FALSE(client.reattach()) << "a zero-filled object: its header is not written yet";
  ::shm_unlink(name_->str().c_str());

  start();  // the broker finishes
  ASSERT_TRUE(client.reattach());
  EXPECT_EQ(client.health(), BrokerHealth::kAlive);

  // A foreign object under the name is still refused as one.
  writer_->close();
  writer_.reset();
  std::vector<std::uint8_t> foreign(65536, 0);
  foreign[0] = 0x7F;
  test::write_object(name_->str(), foreign);
  try {
    (void)client.reattach();
    ADD_FAILURE() << "re-attached to a foreign object";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kBadSegment) << e.what();
  }
}

TEST_F(Reattach, OpenAndReattachNeverSeeABadSegmentWhileBrokersRestart) {
  // The race itself: one thread restarts the "broker" (close, which unlinks, then create) as fast
  // as it can while this one opens and re-attaches. Before the fix a client that caught the
  // object empty or its header unwritten got kBadSegment ("truncated: 0 bytes", "wrong magic").
  constexpr int kRestarts = 400;
  std::atomic<bool> done{false};
  std::thread restarts([&] {
    std::optional<broker::SegmentWriter> writer;
    for (int i = 0; i < kRestarts; ++i) {
      writer.reset();
      writer.emplace(test::make_writer(name_->str(), table_));
      writer->heartbeat(monotonic_ns(), 1);
      writer->go_live();
      std::this_thread::sleep_for(std::chrono::microseconds(300));  // long enough to be opened
    }
    done = true;
  });
  std::optional<Client> client;
  int opened = 0, reattached = 0, not_ready = 0, bad = 0;
  std::string first_bad;
  while (!done) {
    try {
      if (client && client->reattach()) ++reattached;
      Client fresh = Client::open(options_for(name_->str()));
      ++opened;
      if (!client) client.emplace(std::move(fresh));
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kNotLive) {
        ++not_ready;
      } else if (bad++ == 0) {
        first_bad = e.what();
      }
    }
  }
  restarts.join();
  EXPECT_EQ(bad, 0) << "first: " << first_bad;
  EXPECT_GT(opened, 0);
  std::printf("%d restarts: %d opens, %d re-attaches, %d not found or not live yet\n", kRestarts,
              opened, reattached, not_ready);
}

}  // namespace
}  // namespace sysring
