// StatfsWorker: answers in path order, a hung call never holds up collect() or the other paths,
// a stuck path is skipped until its call returns, threads stay bounded, and destruction never
// waits on a hung call. Run under ThreadSanitizer too.
#include "sources/linux/statfs_worker.hpp"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fake_statfs.hpp"

namespace sysring::broker::linux_instances {
namespace {

using namespace std::chrono_literals;
using State = StatfsAnswer::State;
using Clock = std::chrono::steady_clock;

// Generous for sanitizer builds on a loaded machine, and still far below "hangs forever".
constexpr auto kCollectLimit = 500ms;
constexpr auto kPatience = 10s;

StatfsWorkerOptions options(const std::shared_ptr<test::FakeStatfs>& fake,
                            std::chrono::milliseconds call_timeout = 50ms) {
  StatfsWorkerOptions o;
  o.statfs = fake->function();
  o.call_timeout = call_timeout;
  o.refresh_wait = 5ms;
  return o;
}

// Collects until `done` holds for the answers, timing every collect().
bool collect_until(StatfsWorker& worker, std::vector<StatfsAnswer>& answers,
                   const std::function<bool()>& done) {
  const auto deadline = Clock::now() + kPatience;
  while (Clock::now() < deadline) {
    const auto start = Clock::now();
    worker.collect(answers);
    EXPECT_LT(Clock::now() - start, kCollectLimit);
    if (done()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return false;
}

TEST(StatfsWorker, AnswersEveryPathInOrder) {
  auto fake = std::make_shared<test::FakeStatfs>();
  fake->set_blocks("/a", 10);
  fake->set_blocks("/b", 20);
  StatfsWorker worker(options(fake));
  const std::vector<std::string> paths = {"/a", "/b"};
  worker.set_paths(paths);
  std::vector<StatfsAnswer> answers(2);
  ASSERT_TRUE(collect_until(worker, answers, [&] { return answers[1].state == State::kOk; }));
  ASSERT_EQ(answers[0].state, State::kOk);
  EXPECT_EQ(answers[0].values.size_bytes, 10 * test::FakeStatfs::kFrsize);
  EXPECT_EQ(answers[0].values.free_bytes, 5 * test::FakeStatfs::kFrsize);
  EXPECT_EQ(answers[0].values.avail_bytes, 2 * test::FakeStatfs::kFrsize);
  EXPECT_EQ(answers[0].values.files, 5000U);
  EXPECT_EQ(answers[0].values.files_free, 4000U);
  EXPECT_EQ(answers[1].values.size_bytes, 20 * test::FakeStatfs::kFrsize);
}

TEST(StatfsWorker, AFastRoundIsCollectedByTheSameCall) {
  auto fake = std::make_shared<test::FakeStatfs>();
  StatfsWorker worker(options(fake));
  const std::vector<std::string> paths = {"/a"};
  worker.set_paths(paths);
  std::vector<StatfsAnswer> answers(1);
  // The first round may find no caller thread yet; once warm, a round of one fast call ends
  // well within the wait.
  worker.collect(answers);
  int fresh = 0;
  for (int i = 0; i < 20; ++i) fresh += worker.collect(answers) ? 1 : 0;
  EXPECT_GT(fresh, 10);
  EXPECT_EQ(answers[0].state, State::kOk);
}

TEST(StatfsWorker, FailedCallIsAnError) {
  auto fake = std::make_shared<test::FakeStatfs>();
  fake->fail("/denied", EACCES);
  StatfsWorker worker(options(fake));
  const std::vector<std::string> paths = {"/denied", "/ok"};
  worker.set_paths(paths);
  std::vector<StatfsAnswer> answers(2);
  ASSERT_TRUE(collect_until(worker, answers, [&] { return answers[1].state == State::kOk; }));
  EXPECT_EQ(answers[0].state, State::kError);
  EXPECT_EQ(answers[0].error, EACCES);
}

TEST(StatfsWorker, HungCallIsStuckSkippedAndComesBack) {
  auto fake = std::make_shared<test::FakeStatfs>();
  fake->hang("/nfs");
  StatfsWorker worker(options(fake));
  const std::vector<std::string> paths = {"/a", "/nfs", "/b"};
  worker.set_paths(paths);
  std::vector<StatfsAnswer> answers(3);

  ASSERT_TRUE(collect_until(worker, answers, [&] {
    return answers[1].state == State::kStuck && answers[2].state == State::kOk;
  }));
  EXPECT_EQ(answers[0].state, State::kOk);
  EXPECT_EQ(worker.stuck_calls(), 1U);

  // Later rounds leave the stuck path alone and keep answering the others.
  const int a_calls = fake->calls("/a");
  ASSERT_TRUE(collect_until(worker, answers, [&] { return fake->calls("/a") >= a_calls + 5; }));
  EXPECT_EQ(fake->calls("/nfs"), 1);
  EXPECT_EQ(answers[1].state, State::kStuck);
  EXPECT_EQ(answers[2].state, State::kOk);

  // The call returns: the path is answered again.
  fake->release("/nfs");
  ASSERT_TRUE(collect_until(worker, answers, [&] { return answers[1].state == State::kOk; }));
  EXPECT_EQ(worker.stuck_calls(), 0U);
  ASSERT_TRUE(collect_until(worker, answers, [&] { return fake->calls("/nfs") >= 2; }));
}

TEST(StatfsWorker, StuckStateSurvivesANewPathList) {
  auto fake = std::make_shared<test::FakeStatfs>();
  fake->hang("/nfs");
  StatfsWorker worker(options(fake));
  std::vector<std::string> paths = {"/nfs", "/a"};
  worker.set_paths(paths);
  std::vector<StatfsAnswer> answers(2);
  ASSERT_TRUE(collect_until(worker, answers, [&] { return answers[0].state == State::kStuck; }));

  paths = {"/new", "/nfs"};
  worker.set_paths(paths);
  worker.collect(answers);
  EXPECT_EQ(answers[1].state, State::kStuck);  // not asked again: no second hung thread
  ASSERT_TRUE(collect_until(worker, answers, [&] { return answers[0].state == State::kOk; }));
  EXPECT_EQ(fake->calls("/nfs"), 1);
  fake->release_all();
  EXPECT_TRUE(fake->wait_idle(kPatience));
}

TEST(StatfsWorker, StuckCallsAreCapped) {
  auto fake = std::make_shared<test::FakeStatfs>();
  fake->hang("/h1");
  fake->hang("/h2");
  StatfsWorkerOptions o = options(fake);
  o.max_stuck_calls = 1;
  StatfsWorker worker(o);
  const std::vector<std::string> paths = {"/h1", "/h2", "/ok"};
  worker.set_paths(paths);
  std::vector<StatfsAnswer> answers(3);

  // /h1 sticks; with the cap reached no caller is left: the others are not asked.
  ASSERT_TRUE(collect_until(worker, answers, [&] {
    return answers[0].state == State::kStuck && answers[2].state == State::kNone &&
           worker.stuck_calls() == 1;
  }));
  EXPECT_EQ(fake->calls("/h2"), 0);

  // /h1 returns: a caller is started again, /h1 is answered, /h2 sticks in turn (and with the
  // cap reached again, the rest waits once more).
  fake->release("/h1");
  ASSERT_TRUE(collect_until(worker, answers, [&] { return answers[1].state == State::kStuck; }));
  EXPECT_EQ(fake->calls("/h1"), 2);
  EXPECT_EQ(fake->calls("/ok"), 0);
  fake->release("/h2");
  ASSERT_TRUE(collect_until(worker, answers, [&] {
    return answers[1].state == State::kOk && answers[2].state == State::kOk;
  }));
  EXPECT_LE(fake->max_in_flight(), 2);  // one stuck and the current caller, never more
}

TEST(StatfsWorker, DestructionDoesNotWaitForAStuckCall) {
  auto fake = std::make_shared<test::FakeStatfs>();
  fake->hang("/nfs");
  auto worker = std::make_unique<StatfsWorker>(options(fake));
  const std::vector<std::string> paths = {"/nfs"};
  worker->set_paths(paths);
  std::vector<StatfsAnswer> answers(1);
  ASSERT_TRUE(collect_until(*worker, answers, [&] { return answers[0].state == State::kStuck; }));
  const auto start = Clock::now();
  worker.reset();
  EXPECT_LT(Clock::now() - start, kCollectLimit);
  fake->release_all();
  EXPECT_TRUE(fake->wait_idle(kPatience));  // the detached caller finished on its own
}

TEST(StatfsWorker, DestructionDuringACallNotYetTimedOut) {
  auto fake = std::make_shared<test::FakeStatfs>();
  fake->hang("/slow");
  const auto start = Clock::now();
  {
    StatfsWorker worker(options(fake, 60s));
    const std::vector<std::string> paths = {"/slow"};
    worker.set_paths(paths);
    std::vector<StatfsAnswer> answers(1);
    EXPECT_FALSE(worker.collect(answers));
    while (fake->in_flight() == 0 && Clock::now() - start < kPatience) {
      std::this_thread::sleep_for(1ms);
    }
  }
  EXPECT_LT(Clock::now() - start, 2s);
  fake->release_all();
  EXPECT_TRUE(fake->wait_idle(kPatience));
}

TEST(StatfsWorker, NoPathsNoCalls) {
  auto fake = std::make_shared<test::FakeStatfs>();
  StatfsWorker worker(options(fake));
  std::vector<StatfsAnswer> none;
  EXPECT_TRUE(collect_until(worker, none, [] { return true; }));
}

}  // namespace
}  // namespace sysring::broker::linux_instances
