// Hands back the resident pages of code and constants that only start-up used.
//
// sysringd is a static binary (broker/CMakeLists.txt): its resident set counts every page of its
// text and read-only data that was ever touched, and start-up touches most of them (option
// parsing, libpfm4's PMU detection, the registry and descriptor builders, 2.6 of 2.7 MB of text
// here). Dropping the read-only mappings' pages once serving lets the tick fault back in only
// what it runs. This is what the kernel's own reclaim does to clean file pages: they stay in the
// page cache and are read back from the executable on the next touch.
#pragma once

#include <cstddef>

namespace sysring::broker {

// Drops the resident pages of the executable's read-only, never-written segments (text and
// constants), and those pages of RELRO that are still the file's (not written by relocation:
// /proc/self/pagemap says which). Returns the bytes advised; 0 where not supported (macOS, or a
// build with sanitizers, whose runtime owns the mappings). Called once serving, seccomp filter
// installed: madvise and the read of /proc/self/pagemap are on its allow-list.
std::size_t release_start_up_pages() noexcept;

}  // namespace sysring::broker
