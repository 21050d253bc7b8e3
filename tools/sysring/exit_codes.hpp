// Exit codes and the one error type the verbs throw; main() turns it into one stderr line.
#pragma once

#include <stdexcept>
#include <string>

namespace sysring::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,       // anything that went wrong: unknown metric, no broker, bad segment
  kExitUsage = 2,       // bad flags, unknown verb, missing arguments
  kExitBrokerDown = 3,  // the broker is stale or gone: its values are not current
};

class CliError : public std::runtime_error {
 public:
  CliError(ExitCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] ExitCode code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

// Usage errors carry the hint on the same line: every failure is exactly one line.
inline CliError usage_error(const std::string& message) {
  return CliError(kExitUsage, message + "; try 'sysring --help'");
}

}  // namespace sysring::cli
