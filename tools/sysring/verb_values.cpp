// `sysring get NAME...`, `sysring cat CATEGORY`, `sysring all`: current values from the table.
#include "broker_session.hpp"
#include "exit_codes.hpp"
#include "format.hpp"
#include "value_output.hpp"
#include "verbs.hpp"

namespace sysring::cli {

namespace {

// Arguments are checked before the broker's health, so a typo gets the more useful message.
int show(const Client& client, const std::vector<const Descriptor*>& selected,
         const CliOptions& options) {
  require_current_values(client, options);
  print_current_values(client, selected, options.json);
  return kExitOk;
}

}  // namespace

int run_get(const CliOptions& options) {
  const Client client = open_client(options);
  std::vector<const Descriptor*> selected;
  for (const std::string& name : options.args) {
    const auto id = client.find(name);
    const Descriptor* d = id ? client.descriptor(*id) : nullptr;
    if (d == nullptr) {
      throw CliError(kExitError, "unknown metric '" + printable(name) + "' (try 'sysring list')");
    }
    selected.push_back(d);
  }
  return show(client, selected, options);
}

int run_cat(const CliOptions& options) {
  const Client client = open_client(options);
  const std::string& category = options.args.front();
  std::vector<const Descriptor*> selected;
  for (const Descriptor& d : client.descriptors()) {
    if (d.category == category) selected.push_back(&d);
  }
  if (selected.empty()) {
    throw CliError(kExitError,
                   "unknown category '" + printable(category) + "' (try 'sysring cats')");
  }
  return show(client, selected, options);
}

int run_all(const CliOptions& options) {
  const Client client = open_client(options);
  std::vector<const Descriptor*> selected;
  for (const Descriptor& d : client.descriptors()) selected.push_back(&d);
  return show(client, selected, options);
}

}  // namespace sysring::cli
