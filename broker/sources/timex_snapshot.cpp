#include "timex_snapshot.hpp"

#include <cerrno>
#include <system_error>

namespace sysring::broker {

int read_adjtimex(struct timex& out) {
  out = {};
  out.modes = 0;
  return ::adjtimex(&out);
}

std::optional<std::size_t> TimexSnapshot::bind(std::string_view key, schema::ValueType type,
                                               std::string& reason) {
  const std::optional<std::size_t> index = timex_field_index(key);
  if (!index) {
    reason = "no timex field '" + std::string(key) + "'";
  } else if (type != schema::ValueType::I64) {
    reason = "timex values are i64";  // raw kernel integers, some of them signed
    return std::nullopt;
  }
  return index;
}

void TimexSnapshot::take() {
  struct timex tx {};
  const int state = adjtimex_(tx);
  error_ = state < 0 ? errno : 0;
  if (error_ == 0) values_ = decode_timex(tx, state);
}

Reading TimexSnapshot::value(std::size_t index) const {
  if (error_ != 0 || index >= values_.size()) return {layout::SlotStatus::kReadError, 0};
  return {layout::SlotStatus::kOk, static_cast<std::uint64_t>(values_[index])};
}

std::string TimexSnapshot::why(std::size_t /*index*/) const {
  return "adjtimex: " + std::generic_category().message(error_);
}

}  // namespace sysring::broker
