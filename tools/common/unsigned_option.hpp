// Unsigned numeric command-line options for Boost.Program_options, shared by sysringd, sysring
// and sysring-exporter. Boost converts option text with lexical_cast, which wraps a negative
// number into an unsigned type ("--tick-ms -4294966296" is 1000, "--max-ticks -1" is 2^64-1).
// UnsignedOption<T> takes Boost's documented hook for custom types instead: an overload of
// validate() found by argument-dependent lookup, which accepts only decimal digits (no sign, no
// space, no suffix) whose value fits T, and otherwise throws the validation_error that Boost
// reports as "the argument ('-1') for option '--tick-ms' is invalid": one line naming the flag.
#pragma once

#include <boost/any.hpp>
#include <boost/program_options/errors.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <charconv>
#include <concepts>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace sysring::options {

// The whole of `text` as a T: one or more decimal digits and nothing else, at most T's maximum.
template <std::unsigned_integral T>
[[nodiscard]] std::optional<T> parse_unsigned(std::string_view text) noexcept {
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;  // a sign
  T value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
  if (ec != std::errc{} || ptr != end) return std::nullopt;  // out of range, or trailing text
  return value;
}

// The value type Boost stores for an unsigned option; unsigned_value() copies it to the target.
template <std::unsigned_integral T>
struct UnsignedOption {
  T value = 0;
};

// For the default shown by --help: the number, as Boost prints a plain unsigned option.
template <std::unsigned_integral T>
std::ostream& operator<<(std::ostream& out, const UnsignedOption<T>& option) {
  return out << +option.value;
}

// Boost.Program_options' customisation point (found by ADL; `int` beats Boost's `long`).
template <std::unsigned_integral T>
void validate(boost::any& store, const std::vector<std::string>& tokens, UnsignedOption<T>*,
              int /*overload tag*/) {
  namespace po = boost::program_options;
  po::validators::check_first_occurrence(store);
  const std::string& text = po::validators::get_single_string(tokens);
  const std::optional<T> value = parse_unsigned<T>(text);
  if (!value) throw po::invalid_option_value(text);  // a validation_error naming the value
  store = UnsignedOption<T>{*value};
}

// po::value(&target) for an unsigned target, refusing what parse_unsigned refuses.
template <std::unsigned_integral T>
[[nodiscard]] boost::program_options::typed_value<UnsignedOption<T>>* unsigned_value(T* target) {
  return boost::program_options::value<UnsignedOption<T>>()->notifier(
      [target](const UnsignedOption<T>& option) { *target = option.value; });
}

// The same with a default, shown by --help as a plain number.
template <std::unsigned_integral T>
[[nodiscard]] boost::program_options::typed_value<UnsignedOption<T>>* unsigned_value(
    T* target, T default_value) {
  return unsigned_value(target)->default_value(UnsignedOption<T>{default_value});
}

}  // namespace sysring::options
