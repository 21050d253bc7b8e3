// sysring: command-line inspector for the sysring segment. Parses the command line, runs one
// verb, and turns every failure into one "sysring: error:" line and an exit code.
#include <signal.h>

#include <cstdio>
#include <exception>
#include <string_view>

#include "cli_options.hpp"
#include "exit_codes.hpp"
#include "output.hpp"
#include "sysring/error.hpp"
#include "verbs.hpp"

namespace {

using namespace sysring::cli;

int dispatch(const CliOptions& options) {
  const std::string_view verb = options.verb;
  if (verb == "list") return run_list(options);
  if (verb == "cats") return run_cats(options);
  if (verb == "cat") return run_cat(options);
  if (verb == "get") return run_get(options);
  if (verb == "all") return run_all(options);
  if (verb == "instances") return run_instances(options);
  if (verb == "watch") return run_watch(options);
  if (verb == "ring") return run_ring(options);
  if (verb == "pmc") return run_pmc(options);
  if (verb == "top") return run_top(options);
  if (verb == "stat") return run_stat(options);
  throw usage_error("unknown verb '" + options.verb + "'");  // parse_cli already refused it
}

int fail(int code, const char* message) {
  (void)std::fprintf(stderr, "sysring: error: %s\n", message);
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // A closed pipe (`sysring watch | head`) becomes EPIPE, handled below, not a signal death.
  (void)::signal(SIGPIPE, SIG_IGN);
  try {
    const auto options = parse_cli(argc, argv);
    if (!options) return kExitOk;  // --help
    return dispatch(*options);
  } catch (const OutputClosed&) {
    return kExitOk;
  } catch (const CliError& e) {
    return fail(e.code(), e.what());
  } catch (const sysring::Error& e) {  // e.g. a segment that fails validation on reattach
    return fail(kExitError, e.what());
  } catch (const std::exception& e) {
    return fail(kExitError, e.what());
  }
}
