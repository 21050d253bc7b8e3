// What `sysring pmc` prints for one interval: a row per scope (all CPUs, then each CPU) with each
// event's rate, the ratios the events allow (IPC, miss rates) and how much of the time the
// counters really counted (multiplexing).
#pragma once

#include <string>
#include <vector>

#include "sysring/counter_sample.hpp"

namespace sysring::cli {

struct ScopeRates {
  std::string scope;  // "all", "cpu0", ...
  CounterRates rates;
};

// A column per event any scope has (in the order they first appear), then the ratios.
[[nodiscard]] std::string pmc_table(const std::vector<ScopeRates>& scopes);
[[nodiscard]] std::string pmc_json(const std::string& counters_summary,
                                   const std::vector<ScopeRates>& scopes);

// 1234567 -> "1.23M": rates span from a few per second to billions.
[[nodiscard]] std::string format_rate(double per_second);

}  // namespace sysring::cli
