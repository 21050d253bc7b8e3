#include "timex_decode.hpp"

namespace sysring::broker {

TimexValues decode_timex(const struct timex& tx, int state) {
  return {
      tx.offset,
      tx.freq,
      tx.maxerror,
      tx.esterror,
      tx.status,
      tx.constant,
      tx.precision,
      tx.tolerance,
      tx.tick,
      tx.ppsfreq,
      tx.jitter,
      tx.shift,
      tx.stabil,
      tx.jitcnt,
      tx.calcnt,
      tx.errcnt,
      tx.stbcnt,
      tx.tai,
      state != TIME_ERROR ? 1 : 0,
      (tx.status & STA_NANO) != 0 ? 1 : 0,
  };
}

std::optional<std::size_t> timex_field_index(std::string_view name) {
  for (std::size_t i = 0; i < kTimexFields.size(); ++i) {
    if (kTimexFields[i] == name) return i;
  }
  return std::nullopt;
}

}  // namespace sysring::broker
