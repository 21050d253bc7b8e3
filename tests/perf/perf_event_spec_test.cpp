// Event names to encodings and slots: the generic table, aliases, libpfm4, and every refusal.
#include "counters/perf/perf_event_spec.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "counters/counter_events.hpp"

namespace sysring::broker::counters::perf {
namespace {

PerfEventSpec resolve_one(const std::string& name) {
  PerfEventSpec spec;
  std::string error;
  EXPECT_TRUE(resolve_perf_event(name, spec, error)) << name << ": " << error;
  return spec;
}

ResolvedEvents resolve(const std::vector<std::string>& names) {
  return resolve_perf_events(std::span<const std::string>(names));
}

TEST(PerfEventSpec, GenericNamesHaveTheKernelsEncodings) {
  struct Case {
    const char* name;
    std::uint32_t type;
    std::uint64_t config;
  };
  for (const Case& c : {
           Case{"cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
           Case{"cpu-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
           Case{"instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
           Case{"branch-instructions", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_INSTRUCTIONS},
           Case{"branch-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BRANCH_MISSES},
           Case{"cache-references", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_REFERENCES},
           Case{"cache-misses", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
           Case{"ref-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_REF_CPU_CYCLES},
           Case{"bus-cycles", PERF_TYPE_HARDWARE, PERF_COUNT_HW_BUS_CYCLES},
           Case{"stalled-cycles-frontend", PERF_TYPE_HARDWARE,
                PERF_COUNT_HW_STALLED_CYCLES_FRONTEND},
           Case{"stalled-cycles-backend", PERF_TYPE_HARDWARE, PERF_COUNT_HW_STALLED_CYCLES_BACKEND},
           Case{"cpu-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK},
           Case{"task-clock", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},
           Case{"cs", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES},
           Case{"cpu-migrations", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS},
           Case{"faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS},
           Case{"minor-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN},
           Case{"major-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ},
           Case{"alignment-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_ALIGNMENT_FAULTS},
           Case{"emulation-faults", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_EMULATION_FAULTS},
       }) {
    const PerfEventSpec spec = resolve_one(c.name);
    EXPECT_EQ(spec.type, c.type) << c.name;
    EXPECT_EQ(spec.config, c.config) << c.name;
    EXPECT_EQ(spec.hardware(), c.type == PERF_TYPE_HARDWARE) << c.name;
    EXPECT_TRUE(spec.pfm_name.empty()) << c.name;
  }
}

TEST(PerfEventSpec, EveryNamedEventResolvesFromTheTable) {
  for (const NamedEvent& e : kNamedEvents) {
    const PerfEventSpec spec = resolve_one(std::string(e.generic_name));
    EXPECT_EQ(spec.hardware(), e.hardware) << e.generic_name;
    EXPECT_TRUE(spec.pfm_name.empty()) << e.generic_name;
  }
}

TEST(PerfEventSpec, LibpfmResolvesOtherNames) {
  // libpfm4's "perf" pseudo-PMU exists on every Linux machine, PMU or not.
  const PerfEventSpec spec = resolve_one("perf::PERF_COUNT_SW_CONTEXT_SWITCHES");
  EXPECT_EQ(spec.type, PERF_TYPE_SOFTWARE);
  EXPECT_EQ(spec.config, PERF_COUNT_SW_CONTEXT_SWITCHES);
  EXPECT_NE(spec.pfm_name.find("PERF_COUNT_SW_CONTEXT_SWITCHES"), std::string::npos);
  EXPECT_FALSE(spec.exclude_user);
  EXPECT_FALSE(spec.exclude_kernel);  // the broker counts user and kernel time

  const PerfEventSpec cache = resolve_one("perf::PERF_COUNT_HW_CACHE_L1D:READ:MISS");
  EXPECT_EQ(cache.type, PERF_TYPE_HW_CACHE);
  EXPECT_TRUE(cache.hardware());
}

TEST(PerfEventSpec, UnknownNameIsOneClearLine) {
  const ResolvedEvents r = resolve({"cycles", "foo"});
  EXPECT_TRUE(r.events.empty());
  EXPECT_EQ(r.error,
            "unknown counter event \"foo\": not a generic perf event and libpfm4 does not know it");
  EXPECT_FALSE(resolve({""}).error.empty());
}

TEST(PerfEventSpec, NamedEventsTakeTheirSlotsOthersCustomInOrder) {
  const ResolvedEvents r =
      resolve({"ref-cycles", "cs", "instructions", "bus-cycles", "branch-instructions"});
  ASSERT_TRUE(r.error.empty()) << r.error;
  ASSERT_EQ(r.events.size(), 5U);
  EXPECT_EQ(r.events[0].slot, "custom0");
  EXPECT_EQ(r.events[1].slot, "context_switches");
  EXPECT_EQ(r.events[2].slot, "instructions");
  EXPECT_EQ(r.events[3].slot, "custom1");
  EXPECT_EQ(r.events[4].slot, "branches");
  EXPECT_EQ(r.events[1].name, "cs");  // as the user wrote it
}

TEST(PerfEventSpec, DuplicatesAreRefusedUnderAnyName) {
  EXPECT_EQ(resolve({"context-switches", "cs"}).error,
            "counter event \"cs\" is given twice (as \"context-switches\" before)");
  EXPECT_FALSE(resolve({"cycles", "cycles"}).error.empty());
  EXPECT_FALSE(resolve({"page-faults", "perf::PERF_COUNT_SW_PAGE_FAULTS"}).error.empty());
}

TEST(PerfEventSpec, AtMostFourCustomEvents) {
  const ResolvedEvents r = resolve({"ref-cycles", "bus-cycles", "stalled-cycles-frontend",
                                    "stalled-cycles-backend", "alignment-faults"});
  EXPECT_TRUE(r.events.empty());
  EXPECT_NE(r.error.find("too many custom counter events: \"alignment-faults\""), std::string::npos)
      << r.error;
}

TEST(PerfEventSpec, AtMostMaxEventsPerCpu) {
  std::vector<std::string> names;
  for (const NamedEvent& e : kNamedEvents) names.emplace_back(e.generic_name);
  for (const char* n : {"ref-cycles", "bus-cycles", "alignment-faults", "emulation-faults"}) {
    names.emplace_back(n);
  }
  ASSERT_EQ(names.size(), kMaxEventsPerCpu);
  EXPECT_TRUE(resolve(names).error.empty()) << resolve(names).error;
  names.emplace_back("stalled-cycles-frontend");
  EXPECT_NE(resolve(names).error.find("too many counter events: 18 given, at most 17"),
            std::string::npos);
}

TEST(PerfEventSpec, AttrCountsAsAGroup) {
  const PerfEventSpec spec = resolve_one("instructions");
  const perf_event_attr leader = make_perf_attr(spec, true);
  const perf_event_attr member = make_perf_attr(spec, false);
  EXPECT_EQ(leader.size, sizeof(perf_event_attr));
  EXPECT_EQ(leader.type, PERF_TYPE_HARDWARE);
  EXPECT_EQ(leader.config, PERF_COUNT_HW_INSTRUCTIONS);
  EXPECT_EQ(leader.read_format, kGroupReadFormat);
  EXPECT_EQ(leader.disabled, 1U);  // started by one ioctl on the whole group
  EXPECT_EQ(member.disabled, 0U);  // follows its leader
  EXPECT_EQ(leader.sample_period, 0U);
  EXPECT_EQ(leader.inherit, 0U);  // inherit cannot be combined with PERF_FORMAT_GROUP reads
}

TEST(PerfEventSpec, DescribesTheEncoding) {
  EXPECT_EQ(describe_encoding(resolve_one("cycles")), "perf hardware config 0x0");
  EXPECT_EQ(describe_encoding(resolve_one("cs")), "perf software config 0x3");
  PerfEventSpec raw;
  raw.type = 9;  // a dynamic PMU type
  raw.config = 0x1c0;
  raw.config1 = 0x3;
  EXPECT_EQ(describe_encoding(raw), "perf pmu type 9 config 0x1c0 config1 0x3");
  EXPECT_NE(describe_encoding(resolve_one("perf::PERF_COUNT_SW_CPU_CLOCK")).find("(libpfm4 perf::"),
            std::string::npos);
}

}  // namespace
}  // namespace sysring::broker::counters::perf
