// `sysring pmc`: a live per-CPU table of the broker's performance counters. Each interval it takes
// a CounterSample of every scope (all CPUs, then each CPU) and prints rates, IPC and miss rates
// where the events exist, and the share of time the counters really counted.
#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "broker_session.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "pmc_report.hpp"
#include "stop_signal.hpp"
#include "sysring/counter_sample.hpp"
#include "verbs.hpp"

namespace sysring::cli {
namespace {

// "all" first, then the CPUs with any available counter, in CPU order.
std::vector<std::string> counter_scopes(const Client& client) {
  std::vector<std::string> scopes;
  std::vector<unsigned> cpus;
  bool any = false;
  for (const Descriptor& d : client.descriptors()) {
    if (d.type != ValueType::Counter || !d.available) continue;
    any = true;
    // "pmc.cpu<N>.<event>"; a name of any other shape (another broker version) is skipped.
    constexpr std::string_view kCpuPrefix = "pmc.cpu";
    if (!d.name.starts_with(kCpuPrefix)) continue;
    const char* first = d.name.data() + kCpuPrefix.size();
    const char* last = d.name.data() + d.name.size();
    unsigned cpu = 0;
    const auto [end, ec] = std::from_chars(first, last, cpu);
    if (ec != std::errc() || end == first || end == last || *end != '.') continue;
    if (std::find(cpus.begin(), cpus.end(), cpu) == cpus.end()) cpus.push_back(cpu);
  }
  if (!any) return scopes;
  std::sort(cpus.begin(), cpus.end());
  scopes.emplace_back("all");
  for (const unsigned cpu : cpus) scopes.push_back("cpu" + std::to_string(cpu));
  return scopes;
}

// The counters' own read period, so two samples are never the same broker read.
std::uint64_t default_interval_ms(const Client& client) {
  std::uint32_t ttl = 0;
  for (const Descriptor& d : client.descriptors()) {
    if (d.type == ValueType::Counter && d.available) ttl = std::max(ttl, d.effective_ttl_ms);
  }
  return std::max<std::uint32_t>(ttl, 1000);
}

std::vector<CounterSample> sample_all(const Client& client,
                                      const std::vector<std::string>& scopes) {
  std::vector<CounterSample> samples;
  samples.reserve(scopes.size());
  for (const std::string& s : scopes) samples.push_back(CounterSample::take(client, s));
  return samples;
}

}  // namespace

int run_pmc(const CliOptions& options) {
  install_stop_handlers();
  const Client client = open_client(options);
  require_current_values(client, options);
  const std::vector<std::string> scopes = counter_scopes(client);
  if (scopes.empty()) {
    const std::string why = client.counters_summary().empty() ? "this broker has no counter rows"
                                                              : client.counters_summary();
    throw CliError(kExitError, "no performance counters are published: " + why);
  }
  const std::uint64_t interval_ms =
      options.interval_ms ? *options.interval_ms : default_interval_ms(client);
  if (!options.json) write_line("counters: " + client.counters_summary());

  std::vector<CounterSample> before = sample_all(client, scopes);
  for (std::uint64_t printed = 0; !options.count || printed < *options.count; ++printed) {
    sleep_ns(interval_ms * 1'000'000ULL);
    if (stop_requested()) break;
    if (!options.allow_stale && client.health() == BrokerHealth::kGone) {
      throw CliError(kExitBrokerDown, health_problem(client, BrokerHealth::kGone));
    }
    std::vector<CounterSample> after = sample_all(client, scopes);
    std::vector<ScopeRates> rates;
    for (std::size_t i = 0; i < scopes.size(); ++i) {
      rates.push_back({scopes[i], compare(before[i], after[i])});
    }
    if (options.json) {
      write_line(pmc_json(client.counters_summary(), rates));
    } else {
      write_stdout(pmc_table(rates) + "\n");
    }
    before = std::move(after);
  }
  return kExitOk;
}

}  // namespace sysring::cli
