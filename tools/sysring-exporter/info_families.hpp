// node_exporter's info series, whose labels carry values that may change between renders
// (an interface's operstate, the hostname, the clock source), written per render rather than
// planned: node_uname_info, node_os_info and node_os_version, node_time_*, node_network_info
// and node_disk_info.
#pragma once

#include <string>

#include "collectors.hpp"
#include "series_plan.hpp"

namespace sysring::exporter {

// Marks the families these series read as exported (so they are not repeated as sysring_*).
void consume_info_families(class PlanBuilder& builder);

void render_info_families(const Client& client, const ValueSnapshot& snapshot,
                          const SeriesPlan& plan, const CollectorConfig& config, Format format,
                          std::string& out);

// node_time_* needs no broker: the exporter's own clock, as node_exporter reports its own.
void render_time_now(const CollectorConfig& config, Format format, std::string& out);

}  // namespace sysring::exporter
