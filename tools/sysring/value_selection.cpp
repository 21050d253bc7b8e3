#include "value_selection.hpp"

#include <algorithm>

#include "exit_codes.hpp"
#include "format.hpp"

namespace sysring::cli {
namespace {

SelectedFamily resolve(const Client& client, Selector selector) {
  const auto id = client.find(selector.family);
  const Descriptor* d = id ? client.descriptor(*id) : nullptr;
  if (d == nullptr) {
    throw CliError(kExitError,
                   "unknown metric '" + printable(selector.family) + "' (try 'sysring list')");
  }
  if (d->domain == InstanceDomain::None) {
    if (!selector.matches_scalar()) {
      throw CliError(kExitError, printable(d->name) + " is a scalar (no instances, no labels): " +
                                     printable(selector.matchers_text()) + " excludes it");
    }
    return {d, std::move(selector)};
  }
  // Checked against the directory now; an instance that goes before the read is simply not shown.
  const auto directory = client.instances();
  const auto live = directory->live(d->domain);
  const bool any = std::any_of(live.begin(), live.end(),
                               [&](const Instance* i) { return selector.matches(*i); });
  if (!any) {
    const std::string domain(domain_name(d->domain));
    throw CliError(kExitError, selector.matchers.empty()
                                   ? "no instance of " + printable(d->name) + " is live (no " +
                                         domain + " instances now)"
                                   : "no instance of " + printable(d->name) + " matches " +
                                         printable(selector.matchers_text()));
  }
  return {d, std::move(selector)};
}

SelectedFamily whole(const Descriptor& d) {
  SelectedFamily s;
  s.descriptor = &d;
  s.selector.family = d.name;
  return s;
}

}  // namespace

std::vector<Selector> parse_selectors(const std::vector<std::string>& args) {
  std::vector<Selector> selectors;
  selectors.reserve(args.size());
  for (const std::string& text : args) selectors.push_back(parse_selector(text));
  return selectors;
}

std::vector<SelectedFamily> select_families(const Client& client, std::vector<Selector> selectors) {
  std::vector<SelectedFamily> selection;
  selection.reserve(selectors.size());
  for (Selector& s : selectors) selection.push_back(resolve(client, std::move(s)));
  return selection;
}

std::vector<SelectedFamily> select_category(const Client& client, const std::string& category) {
  std::vector<SelectedFamily> selection;
  for (const Descriptor& d : client.descriptors()) {
    if (d.category == category) selection.push_back(whole(d));
  }
  if (selection.empty()) {
    throw CliError(kExitError,
                   "unknown category '" + printable(category) + "' (try 'sysring cats')");
  }
  return selection;
}

std::vector<SelectedFamily> select_everything(const Client& client) {
  std::vector<SelectedFamily> selection;
  selection.reserve(client.descriptors().size());
  for (const Descriptor& d : client.descriptors()) selection.push_back(whole(d));
  return selection;
}

std::vector<MetricReading> read_selection(const Client& client,
                                          const std::vector<SelectedFamily>& selection) {
  std::vector<MetricReading> readings;
  readings.reserve(selection.size());
  for (const SelectedFamily& s : selection) {
    if (s.descriptor->domain == InstanceDomain::None) {
      readings.push_back(read_metric(client, *s.descriptor));
      continue;
    }
    std::vector<MetricReading> values = read_instances(client, *s.descriptor, s.selector);
    std::move(values.begin(), values.end(), std::back_inserter(readings));
  }
  return readings;
}

}  // namespace sysring::cli
