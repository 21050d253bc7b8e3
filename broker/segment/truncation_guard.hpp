// The segment's owner (or root) can truncate it under the broker (docs/DESIGN.md, "Threat
// model"). Each tick checks first (SegmentWriter::fate); a truncation during the tick's own
// writes faults with SIGBUS, which this turns into one line and exit status 1 instead of a
// crash, so that the service manager restarts the broker on a fresh segment.
#pragma once

#include <cstddef>

namespace sysring::broker {

// Installs the SIGBUS handler for the mapping [base, base + size). A SIGBUS anywhere else keeps
// its default action (SA_RESETHAND: the fault repeats and kills as before).
void guard_against_truncation(const void* base, std::size_t size);

}  // namespace sysring::broker
