// Writing to stdout with the failure checked: a closed pipe is an error line, not a crash.
#pragma once

#include <string_view>

namespace sysring::cli {

// Thrown when the reader of our stdout went away (`sysring watch | head`): it has all it wanted,
// so main() exits quietly with 0 instead of reporting an error.
struct OutputClosed {};

// Writes and flushes. Throws OutputClosed on EPIPE, CliError on any other write failure.
void write_stdout(std::string_view text);

// A JSON document or NDJSON record: the text plus a newline.
void write_line(std::string_view text);

}  // namespace sysring::cli
