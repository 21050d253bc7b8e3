#include "output.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "exit_codes.hpp"
#include "sysring/errno_text.hpp"

namespace sysring::cli {

void write_stdout(std::string_view text) {
  errno = 0;
  const std::size_t written = std::fwrite(text.data(), 1, text.size(), stdout);
  if (written != text.size() || std::fflush(stdout) != 0) {
    if (errno == EPIPE) throw OutputClosed{};
    throw CliError(kExitError, std::string("cannot write output: ") +
                                   (errno != 0 ? errno_text(errno) : "short write"));
  }
}

void write_line(std::string_view text) {
  std::string line(text);
  line += '\n';
  write_stdout(line);
}

}  // namespace sysring::cli
