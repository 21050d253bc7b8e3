// node_exporter's series from the segment: for every series node_exporter's default Linux
// collectors produce and the broker reads, the same name, type, labels and unit (seconds, not
// ticks; bytes, not pages or sectors). Planned once per directory; the few families whose labels
// hold live values (node_network_info, uname, os, time) are written per render by
// info_families.cpp.
#pragma once

#include "plan_builder.hpp"

namespace sysring::exporter {

void plan_node_families(PlanBuilder& builder);

}  // namespace sysring::exporter
