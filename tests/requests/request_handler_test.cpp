// The checks in their order (broker/requests/request_handler.cpp) over a fixture /proc and a
// scripted perf_event_open: each refusal one line, descriptors only on a grant, the ledger.
#include "requests/request_handler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "counter_request_generated.h"
#include "request_test_support.hpp"

namespace sysring::broker::requests {
namespace {

using test::request_bytes;

class RequestHandlerTest : public ::testing::Test {
 protected:
  uid_t me = ::geteuid();
  test::FixtureProc proc;
  std::shared_ptr<test::ScriptedPerf> perf = std::make_shared<test::ScriptedPerf>();
  Caller caller{me, 100, 42};

  RequestHandler make(RequestPolicy policy = {}) {
    return RequestHandler(std::move(policy), perf, HandlerSettings{.proc_root = proc.root()});
  }
  void SetUp() override { proc.add(42, {me, me, me, me}, {100, 100, 100, 100}, 1000); }

  static std::string error_of(const Reply& r) {
    const auto* reply = flatbuffers::GetRoot<wire::CounterReply>(r.bytes.data());
    return reply->error() ? reply->error()->str() : "";
  }
};

TEST_F(RequestHandlerTest, GrantsTheCallersOwnProcess) {
  RequestHandler h = make();
  Reply r = h.handle(caller, request_bytes({.pid = 0, .events = {"task-clock", "cs"}}));
  ASSERT_EQ(r.refusal, "");
  ASSERT_TRUE(flatbuffers::BufferHasIdentifier(r.bytes.data(), "SRP1"));
  flatbuffers::Verifier verifier(r.bytes.data(), r.bytes.size());
  ASSERT_TRUE(verifier.VerifyBuffer<wire::CounterReply>("SRP1"));
  const auto* reply = flatbuffers::GetRoot<wire::CounterReply>(r.bytes.data());
  EXPECT_EQ(reply->error(), nullptr);
  ASSERT_EQ(reply->counters()->size(), 2u);
  EXPECT_EQ(reply->counters()->Get(1)->name()->str(), "cs");
  EXPECT_FALSE(reply->counters()->Get(0)->kernel());
  EXPECT_EQ(r.fds.size(), 2u);
  EXPECT_EQ(perf->pids[0], 42);  // pid 0: the caller's SO_PEERCRED pid
  EXPECT_EQ(h.ledger().held_by(me), 2u);
  h.release(r);
  EXPECT_TRUE(perf->live.empty());
}

TEST_F(RequestHandlerTest, RefusalsInOrder) {
  RequestHandler h = make();
  EXPECT_EQ(error_of(h.handle(caller, request_bytes({.version = 9}))),
            "bad request: protocol version 9, this broker speaks 1");
  EXPECT_TRUE(error_of(h.handle(caller, request_bytes({.events = {"nonsense-event"}})))
                  .starts_with("unknown counter event \"nonsense-event\""));
  EXPECT_EQ(error_of(h.handle(caller, request_bytes({.kernel = true}))),
            "refused: kernel-mode counting is not allowed here (kernel = no)");
  EXPECT_EQ(error_of(h.handle(caller, request_bytes({.pid = 4000}))),
            "refused: pid 4000: no such process");
  proc.add(43, {me + 1, me + 1, me + 1, me + 1}, {100, 100, 100, 100});
  EXPECT_EQ(error_of(h.handle(caller, request_bytes({.pid = 43}))),
            "refused: pid 43 is not yours: its real uid is " + std::to_string(me + 1) + ", yours " +
                std::to_string(me));
  EXPECT_EQ(perf->attrs.size(), 0u);  // nothing was opened for any of them
}

TEST_F(RequestHandlerTest, PolicyRefusals) {
  RequestPolicy none;
  none.allow = Allow::kNone;
  EXPECT_EQ(error_of(make(none).handle(caller, request_bytes({}))),
            "refused: this broker serves no per-process counters (allow = none)");
  RequestPolicy events;
  events.all_events = false;
  counters::perf::PerfEventSpec spec;
  std::string error;
  ASSERT_TRUE(counters::perf::resolve_perf_event("context-switches", spec, error));
  events.events.push_back(spec);
  RequestHandler h = make(events);
  EXPECT_EQ(error_of(h.handle(caller, request_bytes({.events = {"task-clock"}}))),
            "refused: event \"task-clock\" is not in this broker's events list");
  Reply ok = h.handle(caller, request_bytes({.events = {"cs"}}));
  EXPECT_EQ(ok.refusal, "");
  h.release(ok);
  RequestPolicy kernel;
  kernel.kernel = true;
  RequestHandler k = make(kernel);
  Reply granted = k.handle(caller, request_bytes({.kernel = true}));
  ASSERT_EQ(granted.refusal, "");
  EXPECT_EQ(perf->attrs.back().exclude_kernel, 0u);
  k.release(granted);
}

TEST_F(RequestHandlerTest, Quota) {
  RequestPolicy p;
  p.max_per_uid = 3;
  RequestHandler h = make(p);
  Reply a = h.handle(caller, request_bytes({.events = {"task-clock", "cs"}}));
  ASSERT_EQ(a.refusal, "");
  h.release(a);
  EXPECT_EQ(error_of(h.handle(caller, request_bytes({.events = {"task-clock", "cs"}}))),
            "refused: quota: uid " + std::to_string(me) +
                " holds 2 counters on live processes; 2 more would pass max_per_uid = 3");
  proc.remove(42);  // the target exited: its counters no longer count
  proc.add(42, {me, me, me, me}, {100, 100, 100, 100}, 2000);
  Reply b = h.handle(caller, request_bytes({.events = {"task-clock", "cs"}}));
  EXPECT_EQ(b.refusal, "");
  h.release(b);
}

TEST_F(RequestHandlerTest, OpenFailureClosesEverything) {
  perf->fail_open_at = 1;
  perf->fail_errno = ESRCH;
  RequestHandler h = make();
  const Reply r = h.handle(caller, request_bytes({.events = {"task-clock", "cs", "page-faults"}}));
  EXPECT_EQ(error_of(r), "cannot open cs for pid 42: No such process (it exited)");
  EXPECT_TRUE(r.fds.empty());
  EXPECT_TRUE(perf->live.empty());
  EXPECT_EQ(h.ledger().held_total(), 0u);
}

TEST_F(RequestHandlerTest, CheckedAgainAfterTheOpen) {
  RequestHandler h = make();
  // A setuid execve between the check and the open: the uids change under the same start time.
  perf->on_open = [&] { proc.add(42, {me + 1, me, me, me}, {100, 100, 100, 100}, 1000); };
  Reply r = h.handle(caller, request_bytes({.events = {"task-clock", "cs"}}));
  EXPECT_EQ(error_of(r), "refused: pid 42 is not yours: its real uid is " + std::to_string(me + 1) +
                             ", yours " + std::to_string(me) + " (after the open)");
  EXPECT_TRUE(r.fds.empty());
  EXPECT_TRUE(perf->live.empty());
  // The pid reused by another process of the caller's.
  perf->on_open = [&] { proc.add(42, {me, me, me, me}, {100, 100, 100, 100}, 5000); };
  proc.add(42, {me, me, me, me}, {100, 100, 100, 100}, 1000);
  r = h.handle(caller, request_bytes({}));
  EXPECT_EQ(error_of(r), "refused: pid 42 was replaced by another process (after the open)");
  EXPECT_TRUE(perf->live.empty());
  EXPECT_EQ(h.ledger().held_total(), 0u);
}

}  // namespace
}  // namespace sysring::broker::requests
