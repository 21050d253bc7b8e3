// One function per verb. Each returns the process exit code or throws CliError.
#pragma once

#include "cli_options.hpp"

namespace sysring::cli {

int run_list(const CliOptions& options);
int run_cats(const CliOptions& options);
int run_cat(const CliOptions& options);
int run_get(const CliOptions& options);
int run_all(const CliOptions& options);
int run_instances(const CliOptions& options);
int run_watch(const CliOptions& options);
int run_ring(const CliOptions& options);
int run_pmc(const CliOptions& options);
int run_top(const CliOptions& options);
int run_stat(const CliOptions& options);

}  // namespace sysring::cli
