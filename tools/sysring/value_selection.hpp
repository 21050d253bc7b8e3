// Which values get, cat and all show: families (scalar or per-instance) with a selector each,
// resolved against the segment's descriptors and instance directory, then read.
#pragma once

#include <string>
#include <vector>

#include "metric_reading.hpp"
#include "selector.hpp"

namespace sysring::cli {

struct SelectedFamily {
  const Descriptor* descriptor = nullptr;
  Selector selector;  // which instances; for a scalar, one known to accept it
};

// `get`'s arguments, one selector each; a malformed one is a usage error (CliError, exit 2).
// Parsed before the segment is opened, so a typo is reported as one even without a broker.
[[nodiscard]] std::vector<Selector> parse_selectors(const std::vector<std::string>& args);

// Resolves parsed selectors. Throws CliError (exit 1) for an unknown metric, a matcher that
// excludes a scalar, or a family none of whose live instances match, e.g.
// "no instance of disk.read_bytes matches {device="sdz"}".
[[nodiscard]] std::vector<SelectedFamily> select_families(const Client& client,
                                                          std::vector<Selector> selectors);

// Every metric of `category`, every instance of each family. Throws CliError (exit 1) for a
// category the segment does not have.
[[nodiscard]] std::vector<SelectedFamily> select_category(const Client& client,
                                                          const std::string& category);

// Every metric the segment describes.
[[nodiscard]] std::vector<SelectedFamily> select_everything(const Client& client);

// Reads the selection now: a scalar's one value, a family's value per matching live instance.
[[nodiscard]] std::vector<MetricReading> read_selection(
    const Client& client, const std::vector<SelectedFamily>& selection);

}  // namespace sysring::cli
