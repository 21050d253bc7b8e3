// `sysring get SELECTOR...`, `sysring cat CATEGORY`, `sysring all`: current values from the
// table, one per scalar and one per selected instance of a family.
#include "broker_session.hpp"
#include "exit_codes.hpp"
#include "value_output.hpp"
#include "value_selection.hpp"
#include "verbs.hpp"

namespace sysring::cli {

namespace {

// Arguments are checked before the broker's health, so a typo gets the more useful message.
int show(const Client& client, const std::vector<SelectedFamily>& selection,
         const CliOptions& options) {
  require_current_values(client, options);
  print_readings(client, read_selection(client, selection), options.json);
  return kExitOk;
}

}  // namespace

int run_get(const CliOptions& options) {
  std::vector<Selector> selectors = parse_selectors(options.args);
  const Client client = open_client(options);
  return show(client, select_families(client, std::move(selectors)), options);
}

int run_cat(const CliOptions& options) {
  const Client client = open_client(options);
  return show(client, select_category(client, options.args.front()), options);
}

int run_all(const CliOptions& options) {
  const Client client = open_client(options);
  return show(client, select_everything(client), options);
}

}  // namespace sysring::cli
