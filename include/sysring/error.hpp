// The one exception type of libsysring: a code for programs, a one-line message for people.
#pragma once

#include <stdexcept>
#include <string>

namespace sysring {

enum class ErrorCode {
  kInvalidName,    // segment name malformed or too long
  kNotFound,       // no segment of that name: no broker running
  kPermission,     // the OS refused access
  kForeignOwner,   // owned by an unexpected uid: refuse, it may be a squatter
  kInsecureMode,   // group/other may write it
  kBadSegment,     // corrupt, truncated or foreign content
  kVersion,        // another major layout version
  kNotLive,        // broker still creating or initialising its segment, or closed: try again
  kBrokerRunning,  // (broker) a live broker already serves the name
  kSystem,         // any other system call failure
  // Per-process counters (process_counters.hpp, docs/PROCESS_COUNTERS.md):
  kUnreachable,  // no broker answers requests: none named in the segment, no socket, timed out
  kRefused,      // the broker refused the request; the message carries its reason
  kProtocol,     // the reply is malformed, truncated or does not match the request
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  [[nodiscard]] ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace sysring
