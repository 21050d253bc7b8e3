// timex:FIELD values: one adjtimex(2) call per tick, decoded by timex_decode.hpp.
#pragma once

#include <sys/timex.h>

#include "sources/snapshot.hpp"
#include "sources/timex_decode.hpp"

namespace sysring::broker {

// The syscall seam: fills `out` and returns the clock state, or -1 with errno set.
using AdjtimexFunction = int (*)(struct timex& out);

// adjtimex(2) with modes 0: it only reads, so it needs no privilege.
int read_adjtimex(struct timex& out);

class TimexSnapshot final : public Snapshot {
 public:
  explicit TimexSnapshot(AdjtimexFunction adjtimex) : adjtimex_(adjtimex) {}

  std::optional<std::size_t> bind(std::string_view key, schema::ValueType type,
                                  std::string& reason) override;
  void take() override;
  [[nodiscard]] Reading value(std::size_t index) const override;
  [[nodiscard]] std::string why(std::size_t index) const override;

 private:
  AdjtimexFunction adjtimex_;
  TimexValues values_{};
  int error_ = 0;  // errno of the last call; 0 when it answered
};

}  // namespace sysring::broker
