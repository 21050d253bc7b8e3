// `sysring pmc`: a live table of the broker's performance counters, a row for all CPUs and one
// per CPU instance. Each interval it takes a CounterSample of every scope (all from one broker
// publish) and prints rates, IPC and miss rates where the events exist, and the share of time
// the counters really counted. CPUs that come and go between intervals come and go as rows.
#include <algorithm>
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

struct CounterKinds {
  bool sums = false;     // an available pmc.all.* scalar
  bool per_cpu = false;  // an available cpu-domain counter family
};

CounterKinds counter_kinds(const Client& client) {
  CounterKinds kinds;
  for (const Descriptor& d : client.descriptors()) {
    if (d.type != ValueType::Counter || !d.available) continue;
    if (d.domain == InstanceDomain::None) kinds.sums = true;
    if (d.domain == InstanceDomain::Cpu) kinds.per_cpu = true;
  }
  return kinds;
}

// "all" first, then every live CPU in CPU order.
std::vector<std::string> counter_scopes(const Client& client, const CounterKinds& kinds) {
  std::vector<std::string> scopes;
  if (kinds.sums) scopes.emplace_back("all");
  if (kinds.per_cpu) {
    for (std::string& cpu : CounterSample::cpu_scopes(client)) scopes.push_back(std::move(cpu));
  }
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

// The earlier sample of the same scope; a CPU that was not there before is compared with itself,
// which gives no rates (one broker read) rather than made-up ones.
const CounterSample& earlier(const std::vector<CounterSample>& before, const CounterSample& now) {
  const auto it = std::find_if(before.begin(), before.end(),
                               [&](const CounterSample& s) { return s.scope() == now.scope(); });
  return it != before.end() ? *it : now;
}

}  // namespace

int run_pmc(const CliOptions& options) {
  install_stop_handlers();
  const Client client = open_client(options);
  require_current_values(client, options);
  const CounterKinds kinds = counter_kinds(client);
  if (!kinds.sums && !kinds.per_cpu) {
    const std::string why = client.counters_summary().empty() ? "this broker has no counter rows"
                                                              : client.counters_summary();
    throw CliError(kExitError, "no performance counters are published: " + why);
  }
  const std::uint64_t interval_ms =
      options.interval_ms ? *options.interval_ms : default_interval_ms(client);
  if (!options.json) write_line("counters: " + client.counters_summary());

  std::vector<CounterSample> before =
      CounterSample::take_many(client, counter_scopes(client, kinds));
  for (std::uint64_t printed = 0; !options.count || printed < *options.count; ++printed) {
    sleep_ns(interval_ms * 1'000'000ULL);
    if (stop_requested()) break;
    if (!options.allow_stale && client.health() == BrokerHealth::kGone) {
      throw CliError(kExitBrokerDown, health_problem(client, BrokerHealth::kGone));
    }
    std::vector<CounterSample> after =
        CounterSample::take_many(client, counter_scopes(client, kinds));
    std::vector<ScopeRates> rates;
    rates.reserve(after.size());
    for (const CounterSample& now : after) {
      rates.push_back({now.scope(), compare(earlier(before, now), now)});
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
