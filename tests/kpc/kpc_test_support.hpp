// Shared by the KPC suites: a fresh double per test, its call log as lines, and options that
// point make_kpc_counters at the double.
//
// The double (double/kpc_double.cpp) is a test double, NOT Apple's kperf/kperfdata: these
// suites prove the loader, the call order, the buffer sizes, the counter map and the error
// handling against what darwin-facts.md says the frameworks do. They cannot prove Apple's
// frameworks behave that way; docs/COUNTERS.md lists what only a real Mac can confirm.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "counters/kpc/kpc_counters.hpp"
#include "kpc_double_control.h"

namespace sysring::broker::counters::kpc::testing {

inline std::vector<std::string> double_log() {
  std::vector<std::string> lines;
  std::istringstream in(kpcdouble_log());
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Only the lines that start with `prefix` ("kpc_" = the privileged framework calls).
inline std::vector<std::string> double_log(const std::string& prefix) {
  std::vector<std::string> lines = double_log();
  std::erase_if(lines, [&](const std::string& l) { return l.rfind(prefix, 0) != 0; });
  return lines;
}

// Position of the first log line equal to `line`, or -1.
inline long log_index(const std::string& line) {
  const auto lines = double_log();
  const auto it = std::find(lines.begin(), lines.end(), line);
  return it == lines.end() ? -1 : static_cast<long>(it - lines.begin());
}

inline KpcOptions double_options(std::vector<std::string> events = {}, std::uint32_t cpus = 4) {
  KpcOptions o;
  o.kperf_path = KPC_DOUBLE_PATH;
  o.kperfdata_path = KPC_DOUBLE_PATH;
  o.events = std::move(events);
  o.cpu_count = cpus;
  return o;
}

class KpcTest : public ::testing::Test {
 protected:
  void SetUp() override { kpcdouble_reset(); }
  // Every path, good or bad, frees the kpep objects it created.
  void TearDown() override { EXPECT_EQ(kpcdouble_live_objects(), 0u); }
};

}  // namespace sysring::broker::counters::kpc::testing
