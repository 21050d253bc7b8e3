// One-line messages for KPC/KPEP failures: kpep error codes by name (darwin-facts §2.4) and the
// errno values of kpc calls mapped to their usual cause (§7 "Other failure modes").
#pragma once

#include <cerrno>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sysring::broker::counters::kpc {

// A set-up failure; what() is the one line that becomes CounterSetup::unavailable_reason.
class KpcError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "EVENT_NOT_FOUND" for 11; "UNKNOWN" outside 0..15.
[[nodiscard]] std::string_view kpep_error_name(int code) noexcept;

// "kpep error 11 EVENT_NOT_FOUND (no event or alias with that name)".
// errno_value matters only for code 15 (ERRNO); the default reads it at the call site.
[[nodiscard]] std::string describe_kpep_error(int code, int errno_value = errno);

// Which cause an errno points to depends on the call; see kpc_call_error.
enum class KpcCall { kProbe, kForceAll, kSetConfig, kOther };

// The message for a failed kpc_* call (`what`, e.g. "kpc_set_counting(0x3)") given its errno:
// EPERM/EACCES while probing, or EPERM elsewhere: "KPC needs root: ...";
// EBUSY, or EACCES from kpc_force_all_ctrs_set: "... in use by another tool (e.g. Instruments)";
// EPERM/EACCES from kpc_set_config: the event allow-list refused the configuration.
[[nodiscard]] std::string kpc_call_error(KpcCall call, std::string_view what, int errno_value);

}  // namespace sysring::broker::counters::kpc
