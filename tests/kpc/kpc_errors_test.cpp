// Every set-up error path against the KPC test double (not Apple's framework): one line each,
// and whatever set-up had changed is put back.
#include <cerrno>
#include <string>

#include "counters/kpc/kpc_errors.hpp"
#include "counters/kpc/kpc_event_names.hpp"
#include "kpc_test_support.hpp"

namespace sysring::broker::counters::kpc {
namespace {

using testing::double_log;
using testing::double_options;
using ::testing::HasSubstr;
using testing::KpcTest;
using testing::log_index;
using ::testing::StartsWith;

std::string setup_error(const KpcOptions& options) {
  const CounterSetup setup = make_kpc_counters(options);
  EXPECT_FALSE(setup.backend);
  EXPECT_EQ(setup.unavailable_reason.find('\n'), std::string::npos);  // one line
  return setup.unavailable_reason;
}

TEST_F(KpcTest, NotRootStopsAtTheProbe) {
  kpcdouble_fail("kpc_force_all_ctrs_get", -1, EPERM);
  EXPECT_EQ(setup_error(double_options()),
            "KPC needs root: kpc_force_all_ctrs_get failed: Operation not permitted, errno 1 "
            "(run sysringd as root)");
  EXPECT_EQ(log_index("kpep_db_create NULL"), -1);
  EXPECT_EQ(log_index("kpc_force_all_ctrs_set 1"), -1);
}

TEST_F(KpcTest, PerfmonHoldingTheCountersIsInUse) {
  kpcdouble_fail("kpc_force_all_ctrs_get", -1, EBUSY);
  EXPECT_THAT(setup_error(double_options()),
              StartsWith("KPC: performance counters are in use by another tool (e.g. "
                         "Instruments): kpc_force_all_ctrs_get failed: Device or resource busy"));
}

TEST_F(KpcTest, ForceAllHeldByAnotherTaskIsInUseAndLeavesItsCountingAlone) {
  kpcdouble_set_counting(0x3);  // the other tool is counting
  kpcdouble_fail("kpc_force_all_ctrs_set", -1, EACCES);
  EXPECT_EQ(setup_error(double_options()),
            "KPC: performance counters are in use by another tool (e.g. Instruments): "
            "kpc_force_all_ctrs_set(1) failed: Permission denied, errno 13");
  EXPECT_EQ(kpcdouble_counting(), 0x3u);
  EXPECT_EQ(log_index("kpc_set_counting 0x0"), -1);
  EXPECT_EQ(double_log("kpc_set_config").size(), 0u);
}

TEST_F(KpcTest, ARefusedConfigurationIsNamedAndRolledBack) {
  kpcdouble_fail("kpc_set_config", -1, EPERM);  // the release kernel's event allow-list
  EXPECT_EQ(setup_error(double_options()),
            "KPC: the kernel refused the event configuration (an event is not allowed on this "
            "chip or macOS version): kpc_set_config(0x3) failed: Operation not permitted, "
            "errno 1");
  EXPECT_EQ(kpcdouble_force_all(), 0);
  EXPECT_EQ(kpcdouble_counting(), 0u);
  EXPECT_EQ(log_index("kpc_set_counting 0x3"), -1);
  EXPECT_EQ(double_log("kpc_force_all_ctrs_set").back(), "kpc_force_all_ctrs_set 0");
}

TEST_F(KpcTest, StartingToCountWhileBusyIsInUseAndRolledBack) {
  kpcdouble_fail("kpc_set_counting", -1, EBUSY);
  EXPECT_THAT(setup_error(double_options()),
              StartsWith("KPC: performance counters are in use by another tool (e.g. "
                         "Instruments): kpc_set_counting(0x3) failed: Device or resource busy"));
  EXPECT_EQ(kpcdouble_force_all(), 0);
  EXPECT_GE(log_index("kpc_set_config 0x2 words=8 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0"), 0);
}

TEST_F(KpcTest, AMissingRequestedEventIsNamedWithItsKpepError) {
  kpcdouble_remove_event("INST_BRANCH");
  EXPECT_EQ(setup_error(double_options({"cycles", "branches"})),
            "KPC: event 'branches': 'INST_BRANCH' not usable in kpep database a15: kpep error 11 "
            "EVENT_NOT_FOUND (no event or alias with that name)");
  EXPECT_EQ(log_index("kpc_force_all_ctrs_set 1"), -1);  // nothing privileged was touched
}

TEST_F(KpcTest, AnUnknownKpepNameIsAnError) {
  EXPECT_THAT(setup_error(double_options({"NOT_AN_EVENT"})),
              HasSubstr("'NOT_AN_EVENT' not usable in kpep database a15: kpep error 11"));
}

TEST_F(KpcTest, ConflictingRequestedEventsNameEachOther) {
  // Both need PMC7 on M1/M2 (§4.2 masks 0x80).
  EXPECT_EQ(setup_error(double_options({"INST_LDST", "INST_INT_ST"})),
            "KPC: event 'INST_INT_ST': 'INST_INT_ST' cannot be added: kpep error 12 "
            "CONFLICTING_EVENTS (the events cannot share the counters) with INST_LDST");
}

TEST_F(KpcTest, WithoutADatabaseOnlyFixedEventsCanBeRequested) {
  kpcdouble_fail("kpep_db_create", 5, 0);
  EXPECT_EQ(setup_error(double_options({"cycles", "branches"})),
            "KPC: 'branches' needs the kpep event database, which kpep_db_create failed: kpep "
            "error 5 CUR_SYSTEM_UNKNOWN (current CPU not identified); without it only cycles and "
            "instructions can be counted");
}

TEST_F(KpcTest, KpepFailuresNameTheirCode) {
  kpcdouble_fail("kpep_config_create", 2, 0);
  EXPECT_EQ(setup_error(double_options()),
            "KPC: kpep_config_create failed: kpep error 2 OUT_OF_MEMORY (allocation failed)");
  kpcdouble_reset();
  kpcdouble_fail("kpep_config_kpc_map", 4, 0);
  EXPECT_EQ(setup_error(double_options()),
            "KPC: kpep_config_kpc_map failed: kpep error 4 BUFFER_TOO_SMALL (caller buffer too "
            "small)");
  kpcdouble_reset();
  kpcdouble_fail("kpep_config_kpc", 15, ENOMEM);
  EXPECT_EQ(setup_error(double_options()),
            "KPC: kpep_config_kpc failed: kpep error 15 ERRNO (POSIX error): Cannot allocate "
            "memory, errno 12");
}

TEST_F(KpcTest, AnEventKpepCannotUseOnThisChipIsSkippedInTheDefaultSet) {
  kpcdouble_fail("kpep_config_add_event", 14, 0);  // EVENT_UNAVAILABLE for every event
  EXPECT_EQ(setup_error(double_options()), "KPC: none of the events can be counted on this chip");
}

TEST_F(KpcTest, SoftwareEventsAreNotKpcEvents) {
  EXPECT_THAT(setup_error(double_options({"cycles", "cpu-clock"})),
              StartsWith("KPC: 'cpu-clock' is a software event; KPC counts only hardware events"));
  EXPECT_TRUE(double_log().size() <= 1u);  // at most kpc_cpu_string: nothing else ran
}

TEST(KpcEventNames, DuplicatesEmptyNamesAndTooManyCustomEventsAreRefused) {
  const auto error = [](std::vector<std::string> names) {
    try {
      (void)resolve_kpc_events(names);
    } catch (const KpcError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error({"cycles", "cycles"}), "KPC: event 'cycles' is listed twice");
  EXPECT_EQ(error({"branches", "branch-instructions"}),
            "KPC: event 'branch-instructions' is listed twice");
  EXPECT_EQ(error({"A", "B", "C", "D", "E"}),
            "KPC: more than 4 kpep events without a row of their own (at 'E')");
  EXPECT_EQ(error({""}), "KPC: empty event name in the event list");
}

TEST(KpcEventNames, TheDefaultSetIsOptionalWithFixedCountersForCyclesAndInstructions) {
  const auto requests = resolve_kpc_events({});
  ASSERT_EQ(requests.size(), 6u);
  EXPECT_EQ(requests[0].kpep_names,
            (std::vector<std::string>{"FIXED_CYCLES", "Cycles", "CORE_ACTIVE_CYCLE"}));
  EXPECT_EQ(requests[0].fixed_counter, 0);
  EXPECT_EQ(requests[1].fixed_counter, 1);
  EXPECT_EQ(requests[2].fixed_counter, -1);
  for (const auto& r : requests) EXPECT_TRUE(r.optional) << r.slot;
}

TEST(KpepErrors, EveryCodeHasItsName) {
  const char* names[] = {"NONE",
                         "INVALID_ARGUMENT",
                         "OUT_OF_MEMORY",
                         "IO",
                         "BUFFER_TOO_SMALL",
                         "CUR_SYSTEM_UNKNOWN",
                         "DB_PATH_INVALID",
                         "DB_NOT_FOUND",
                         "DB_ARCH_UNSUPPORTED",
                         "DB_VERSION_UNSUPPORTED",
                         "DB_CORRUPT",
                         "EVENT_NOT_FOUND",
                         "CONFLICTING_EVENTS",
                         "COUNTERS_NOT_FORCED",
                         "EVENT_UNAVAILABLE",
                         "ERRNO"};
  for (int code = 0; code < 16; ++code) EXPECT_EQ(kpep_error_name(code), names[code]);
  EXPECT_EQ(kpep_error_name(16), "UNKNOWN");
  EXPECT_EQ(kpep_error_name(-1), "UNKNOWN");
  EXPECT_EQ(describe_kpep_error(13),
            "kpep error 13 COUNTERS_NOT_FORCED (all counters must be forced)");
  EXPECT_EQ(describe_kpep_error(99), "kpep error 99 UNKNOWN");
}

TEST(KpcCallErrors, TheCauseDependsOnTheCallAndErrno) {
  EXPECT_THAT(kpc_call_error(KpcCall::kProbe, "p", EACCES), StartsWith("KPC needs root: "));
  EXPECT_THAT(kpc_call_error(KpcCall::kOther, "x", EPERM), StartsWith("KPC needs root: "));
  EXPECT_THAT(kpc_call_error(KpcCall::kForceAll, "f", EACCES), HasSubstr("in use by another"));
  EXPECT_THAT(kpc_call_error(KpcCall::kOther, "x", EBUSY), HasSubstr("in use by another"));
  EXPECT_THAT(kpc_call_error(KpcCall::kSetConfig, "s", EPERM), HasSubstr("refused the event"));
  EXPECT_EQ(kpc_call_error(KpcCall::kOther, "x", EINVAL),
            "KPC: x failed: Invalid argument, errno 22");
  EXPECT_EQ(kpc_call_error(KpcCall::kOther, "x", 0), "KPC: x failed: errno 0");
}

}  // namespace
}  // namespace sysring::broker::counters::kpc
