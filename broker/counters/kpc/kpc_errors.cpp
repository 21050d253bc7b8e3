// kpep error names and the errno → cause mapping for kpc calls.
#include "counters/kpc/kpc_errors.hpp"

#include <array>
#include <cerrno>
#include <system_error>

namespace sysring::broker::counters::kpc {
namespace {

struct KpepErrorInfo {
  std::string_view name;
  std::string_view meaning;
};

// darwin-facts §2.4, indexed by code.
constexpr std::array<KpepErrorInfo, 16> kKpepErrors = {{
    {"NONE", "success"},
    {"INVALID_ARGUMENT", "null or invalid argument"},
    {"OUT_OF_MEMORY", "allocation failed"},
    {"IO", "I/O error reading the database plist"},
    {"BUFFER_TOO_SMALL", "caller buffer too small"},
    {"CUR_SYSTEM_UNKNOWN", "current CPU not identified"},
    {"DB_PATH_INVALID", "bad database path"},
    {"DB_NOT_FOUND", "no kpep database for this CPU"},
    {"DB_ARCH_UNSUPPORTED", "database for another architecture"},
    {"DB_VERSION_UNSUPPORTED", "database format version unsupported"},
    {"DB_CORRUPT", "malformed database plist"},
    {"EVENT_NOT_FOUND", "no event or alias with that name"},
    {"CONFLICTING_EVENTS", "the events cannot share the counters"},
    {"COUNTERS_NOT_FORCED", "all counters must be forced"},
    {"EVENT_UNAVAILABLE", "event known but not usable on this hardware"},
    {"ERRNO", "POSIX error"},
}};

std::string errno_text(int errno_value) {
  if (errno_value == 0) return "errno 0";
  std::string text = std::generic_category().message(errno_value);  // strerror is not thread-safe
  text += ", errno ";
  text += std::to_string(errno_value);
  return text;
}

}  // namespace

std::string_view kpep_error_name(int code) noexcept {
  if (code < 0 || static_cast<std::size_t>(code) >= kKpepErrors.size()) return "UNKNOWN";
  return kKpepErrors[static_cast<std::size_t>(code)].name;
}

std::string describe_kpep_error(int code, int errno_value) {
  std::string text =
      "kpep error " + std::to_string(code) + " " + std::string(kpep_error_name(code));
  if (code >= 0 && static_cast<std::size_t>(code) < kKpepErrors.size()) {
    text += " (" + std::string(kKpepErrors[static_cast<std::size_t>(code)].meaning) + ")";
  }
  if (code == 15) text += ": " + errno_text(errno_value);
  return text;
}

std::string kpc_call_error(KpcCall call, std::string_view what, int errno_value) {
  const std::string failed = std::string(what) + " failed: " + errno_text(errno_value);
  // perfmon owns the CPMU: every kpc sysctl answers EBUSY (§1.3 force_all semantics).
  if (errno_value == EBUSY || (call == KpcCall::kForceAll && errno_value == EACCES)) {
    // EACCES from force_all: a different task holds the counters (§1.3).
    return "KPC: performance counters are in use by another tool (e.g. Instruments): " + failed;
  }
  if (call == KpcCall::kSetConfig && (errno_value == EPERM || errno_value == EACCES)) {
    // Release kernels accept only the per-SoC known events (§3.7 allow-list).
    return "KPC: the kernel refused the event configuration (an event is not allowed on this "
           "chip or macOS version): " +
           failed;
  }
  if (errno_value == EPERM || (call == KpcCall::kProbe && errno_value == EACCES)) {
    // ktrace_read_check: euid 0 or the ktrace owner (§7).
    return "KPC needs root: " + failed + " (run sysringd as root)";
  }
  return "KPC: " + failed;
}

}  // namespace sysring::broker::counters::kpc
