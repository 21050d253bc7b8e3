// The kernel clock's state as adjtimex(2) answers it, decoded into the timex:FIELD values. Pure:
// a filled struct in, integers out.
//
// Every field is published as the kernel's raw integer, unscaled: offset and jitter count ns
// when STA_NANO is set in status (the `nano` value says so), else us; freq, ppsfreq, stabil and
// tolerance are ppm with a 16-bit binary fraction. Two values are derived:
//   sync_status  1 when adjtimex returned anything but TIME_ERROR (the clock is synchronised)
//   nano         1 when status has STA_NANO
#pragma once

#include <sys/timex.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sysring::broker {

inline constexpr std::array<std::string_view, 20> kTimexFields = {
    "offset",    "freq",   "maxerror", "esterror", "status",      "constant", "precision",
    "tolerance", "tick",   "ppsfreq",  "jitter",   "shift",       "stabil",   "jitcnt",
    "calcnt",    "errcnt", "stbcnt",   "tai",      "sync_status", "nano"};

using TimexValues = std::array<std::int64_t, kTimexFields.size()>;

// `state` is what adjtimex returned for `tx` (TIME_OK .. TIME_ERROR).
TimexValues decode_timex(const struct timex& tx, int state);

// The index of a field name in kTimexFields.
std::optional<std::size_t> timex_field_index(std::string_view name);

}  // namespace sysring::broker
